using System;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RxSockets.Tests;

/// <summary>Self-signed certificates made at test time (nothing on disk, nothing trusted by the machine).</summary>
internal static class TestCertificates
{
    /// <summary>A server certificate for <paramref name="dnsNames"/> (and 127.0.0.1 when <paramref name="loopback"/>).</summary>
    public static X509Certificate2 Server(string subject, bool loopback, params string[] dnsNames) =>
        Create(subject, "1.3.6.1.5.5.7.3.1", loopback, dnsNames, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

    /// <summary>A server certificate for 127.0.0.1 and localhost that expired yesterday.</summary>
    public static X509Certificate2 Expired() =>
        Create("CN=expired", "1.3.6.1.5.5.7.3.1", true, ["localhost"], DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1));

    /// <summary>A client certificate (client-authentication usage).</summary>
    public static X509Certificate2 Client(string subject) =>
        Create(subject, "1.3.6.1.5.5.7.3.2", false, [], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

    private static X509Certificate2 Create(string subject, string usage, bool loopback, string[] dnsNames, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (loopback || dnsNames.Length > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            if (loopback)
            {
                names.AddIpAddress(IPAddress.Loopback);
            }

            foreach (string name in dnsNames)
            {
                names.AddDnsName(name);
            }

            request.CertificateExtensions.Add(names.Build());
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], critical: false));
        using X509Certificate2 ephemeral = request.CreateSelfSigned(notBefore, notAfter);

        // SslStream on Linux needs a key it can export: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}
