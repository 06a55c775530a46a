using FrostGuard.Engine.Secrets;

namespace FrostGuard.Engine.Tests.Secrets;

public sealed class ScramVerifierTests
{
    // Computed by PostgreSQL 15 itself: SET password_encryption = 'scram-sha-256';
    // CREATE ROLE fg_scram_vector PASSWORD 'pencil-FrostGuard-2026';
    // SELECT rolpassword FROM pg_authid WHERE rolname = 'fg_scram_vector';
    private const string PostgresVerifier =
        "SCRAM-SHA-256$4096:1WnVBpaJbmaNcW5Fgcyl6Q==$yOhRc4XZ455PrFFXJfLKdyCsfLOqkAMW0F2bYc7efbU=:ee3Xj27A2gyClcRRaWVIm5jwjbtiH65LnmZrSy7/idg=";

    [Fact]
    public void GivenPostgresSaltProducesPostgresStoredKeyAndServerKey()
    {
        var expected = ScramVerifier.Parse(PostgresVerifier);

        var computed = ScramVerifier.Compute("pencil-FrostGuard-2026", expected.Salt, expected.Iterations);

        Assert.Equal(Convert.ToBase64String(expected.StoredKey), Convert.ToBase64String(computed.StoredKey));
        Assert.Equal(Convert.ToBase64String(expected.ServerKey), Convert.ToBase64String(computed.ServerKey));
        Assert.Equal(PostgresVerifier, computed.ToString());
    }

    [Fact]
    public void AnotherPasswordGivesOtherKeys()
    {
        var expected = ScramVerifier.Parse(PostgresVerifier);
        var computed = ScramVerifier.Compute("pencil-FrostGuard-2027", expected.Salt, expected.Iterations);
        Assert.NotEqual(Convert.ToBase64String(expected.StoredKey), Convert.ToBase64String(computed.StoredKey));
    }

    [Fact]
    public void CreateUsesAFreshSixteenByteSaltAndFourThousandNinetySixIterations()
    {
        var a = ScramVerifier.Create("the same password, twice");
        var b = ScramVerifier.Create("the same password, twice");

        Assert.Equal(16, a.Salt.Length);
        Assert.Equal(4096, a.Iterations);
        Assert.NotEqual(Convert.ToBase64String(a.Salt), Convert.ToBase64String(b.Salt));
        Assert.StartsWith("SCRAM-SHA-256$4096:", a.ToString());
        Assert.DoesNotContain("the same password", a.ToString());
    }

    [Theory]
    [InlineData("md5abcdef")]
    [InlineData("SCRAM-SHA-256$x:c2FsdA==$a:b")]
    [InlineData("SCRAM-SHA-256$4096:c2FsdA==")]
    public void ParseRefusesWhatIsNotAVerifier(string text) => Assert.Throws<FormatException>(() => ScramVerifier.Parse(text));
}

public sealed class SecretPolicyTests
{
    [Fact]
    public void GeneratedValuesAreLongDistinctAndAccepted()
    {
        var values = Enumerable.Range(0, 50).Select(_ => SecretPolicy.Generate()).ToList();
        Assert.All(values, v => Assert.Equal(SecretPolicy.GeneratedLength, v.Length));
        Assert.All(values, v => Assert.Null(SecretPolicy.Reject(v)));
        Assert.Equal(values.Count, values.Distinct().Count());
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has a space in it ok?")]
    [InlineData("has-a-#-hash-in-it-123")]
    [InlineData("has-a-$dollar-in-it-123")]
    [InlineData("has-a-'quote'-in-it-123")]
    [InlineData("non-ascii-välue-1234567")]
    public void GivenValuesThatAnEnvFileOrSaslPrepWouldChangeAreRefused(string value)
    {
        var reason = SecretPolicy.Reject(value);
        Assert.NotNull(reason);
        Assert.DoesNotContain(value, reason);
    }
}
