using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace RxSockets;

/// <summary>
/// Wraps the server-certificate validation of one TLS handshake to remember why a certificate was
/// rejected, so the client's error names the problem ("not trusted: self-signed…", "issued for
/// other.example, not localhost", "expired on…") instead of the TLS stack's generic message. The
/// decision itself is unchanged: the caller's callback if there is one, otherwise the system's
/// (no <see cref="SslPolicyErrors"/>), under the caller's <see cref="SslClientAuthenticationOptions.CertificateChainPolicy"/>.
/// </summary>
/// <remarks>One instance per handshake; the callback runs once, before the handshake completes.</remarks>
internal sealed class CertificateCheck(RemoteCertificateValidationCallback? inner, string targetHost)
{
    /// <summary>Why the certificate was rejected, once it was; null while it was not.</summary>
    public string? Problem { get; private set; }

    /// <summary>The callback to give the TLS stack.</summary>
    /// <returns>Accepts or rejects as <c>inner</c> (or the system) decides, remembering a rejection.</returns>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        bool accepted = inner is null ? errors == SslPolicyErrors.None : inner(sender, certificate, chain, errors);
        if (!accepted)
        {
            Problem = Describe(errors, certificate, chain, targetHost, customCallback: inner is not null);
        }

        return accepted;
    }

    /// <summary>A sentence naming every problem found with the certificate.</summary>
    /// <param name="errors">The policy errors.</param>
    /// <param name="certificate">The server's certificate, if it sent one.</param>
    /// <param name="chain">The chain built for it, if any.</param>
    /// <param name="targetHost">The name the certificate was checked against.</param>
    /// <param name="customCallback">Whether a caller's callback made the decision.</param>
    /// <returns>The description.</returns>
    public static string Describe(SslPolicyErrors errors, X509Certificate? certificate, X509Chain? chain, string targetHost, bool customCallback)
    {
        var problems = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            problems.Add("the server sent no certificate");
        }

        using X509Certificate2? cert = certificate is null ? null : new X509Certificate2(certificate);
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            string names = cert is null ? "another name" : string.Join(", ", Names(cert));
            problems.Add($"it was issued for {names}, not '{targetHost}'");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            X509ChainStatus[] statuses = chain?.ChainStatus ?? [];
            if (statuses.Length == 0)
            {
                problems.Add("its chain of trust could not be built");
            }

            foreach (X509ChainStatusFlags flag in statuses.Select(s => s.Status).Distinct())
            {
                problems.Add(Explain(flag, cert));
            }
        }

        if (problems.Count == 0)
        {
            problems.Add(customCallback
                ? "the RemoteCertificateValidationCallback in WebSocketClientOptions.Tls returned false"
                : $"it failed validation ({errors})");
        }

        string subject = cert is null ? string.Empty : $" (subject {cert.Subject}; issuer {cert.Issuer}; valid {cert.NotBefore.ToUniversalTime():yyyy-MM-dd} to {cert.NotAfter.ToUniversalTime():yyyy-MM-dd} UTC)";
        return $"The server's certificate for '{targetHost}' was rejected: {string.Join("; ", problems)}{subject}.";
    }

    private static string Explain(X509ChainStatusFlags flag, X509Certificate2? cert) => flag switch
    {
        X509ChainStatusFlags.UntrustedRoot => cert is not null && cert.Subject == cert.Issuer
            ? "it is self-signed and not trusted here (UntrustedRoot)"
            : "it chains to a root that is not trusted here (UntrustedRoot)",
        X509ChainStatusFlags.PartialChain => "its issuer is unknown here: the chain to a trusted root is incomplete (PartialChain)",
        X509ChainStatusFlags.NotTimeValid => cert is not null && cert.NotAfter.ToUniversalTime() < DateTime.UtcNow
            ? string.Create(CultureInfo.InvariantCulture, $"it expired on {cert.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC (NotTimeValid)")
            : cert is not null
                ? string.Create(CultureInfo.InvariantCulture, $"it is not valid before {cert.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC (NotTimeValid)")
                : "it is outside its validity period (NotTimeValid)",
        X509ChainStatusFlags.Revoked => "it was revoked (Revoked)",
        X509ChainStatusFlags.RevocationStatusUnknown or X509ChainStatusFlags.OfflineRevocation => $"its revocation status could not be checked ({flag})",
        X509ChainStatusFlags.NotValidForUsage => "it is not valid for server authentication (NotValidForUsage)",
        X509ChainStatusFlags.NotSignatureValid => "its signature is invalid (NotSignatureValid)",
        _ => $"chain error {flag}",
    };

    /// <summary>The DNS names (and IP addresses) of the subject alternative name extension, else the common name.</summary>
    private static IEnumerable<string> Names(X509Certificate2 cert)
    {
        var names = new List<string>();
        foreach (X509Extension extension in cert.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                names.AddRange(san.EnumerateIPAddresses().Select(a => a.ToString()));
            }
        }

        if (names.Count == 0)
        {
            names.Add(cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        }

        return names.Select(n => $"'{n}'");
    }
}
