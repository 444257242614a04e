using System;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RxSockets.Compliance;

/// <summary>A self-signed server certificate for 127.0.0.1 and localhost, made at test time, and client settings that trust it.</summary>
public static class SelfSignedCertificate
{
    /// <summary>Creates the certificate (valid from yesterday to tomorrow).</summary>
    /// <returns>The certificate with its private key.</returns>
    public static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=RxSockets interop", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        // SslStream on Linux needs a key it can export: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Client TLS settings that trust <paramref name="certificate"/> as a root.</summary>
    /// <param name="certificate">The test certificate.</param>
    /// <returns>The settings.</returns>
    public static SslClientAuthenticationOptions TrustedBy(X509Certificate2 certificate)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(certificate);
        return new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
    }
}
