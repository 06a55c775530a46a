using FrostGuard.Engine.Fleet;

namespace FrostGuard.Engine.Tests.Fleet;

public sealed class KnownHostKeyTests
{
    // The public half of a throwaway ed25519 key; its fingerprint as ssh-keygen -lf prints it.
    private const string Blob = "AAAAC3NzaC1lZDI1NTE5AAAAIPbt5nq0qOw6ldG0tSQ9tT3h/D2o9cuwXRXzrT9Gv8VK";

    [Fact]
    public void Reads_keyscan_and_known_hosts_lines_skipping_comments_and_markers()
    {
        var keys = KnownHostKey.ParseLines($"""
            # 127.0.0.1:2201 SSH-2.0-OpenSSH_9.2
            [127.0.0.1]:2201 ssh-ed25519 {Blob}
            @cert-authority *.example ssh-rsa AAAAB3NzaC1yc2E=
            |1|c2FsdA==|aGFzaA== ecdsa-sha2-nistp256 AAAAE2VjZHNh comment here

            """);
        Assert.Equal(["ssh-ed25519", "ecdsa-sha2-nistp256"], keys.Select(k => k.Type)); // a CA key is no host key
        Assert.Equal(Blob, keys[0].Blob);
    }

    [Fact]
    public void The_fingerprint_is_sha256_of_the_key_blob_in_unpadded_base64_as_ssh_prints_it()
    {
        var expected = "SHA256:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Convert.FromBase64String(Blob))).TrimEnd('=');
        Assert.Equal(expected, new KnownHostKey("ssh-ed25519", Blob).Fingerprint);
        Assert.DoesNotContain("=", expected);
        Assert.Equal("(unreadable key)", new KnownHostKey("ssh-ed25519", "not base64!").Fingerprint);
    }
}
