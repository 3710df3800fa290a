using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Providers;

public class ProviderConnectionTests
{
    [Theory]
    [InlineData(null, "https://api.openai.com/v1/")]
    [InlineData("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/")]
    [InlineData("https://gateway.example/openai/v1/", "https://gateway.example/openai/v1/")]
    public void BaseUrlsTakeTheSdkFormAndEndWithASlash(string? baseUrl, string expected) =>
        Assert.Equal(expected, new ProviderConnection { BaseUrl = baseUrl }.ResolveBaseUrl().ToString());

    [Theory]
    [InlineData("ftp://host/v1")]
    [InlineData("not a url")]
    public void BadBaseUrlsAreInputErrors(string baseUrl) =>
        Assert.Equal("BaseUrlInvalid", Assert.Throws<BatchAIException>(() => new ProviderConnection { BaseUrl = baseUrl }.ResolveBaseUrl()).ErrorId);

    [Fact]
    public void TheEmulatorAndABaseUrlExcludeEachOther() =>
        Assert.Equal("ConnectionConflict", Assert.Throws<BatchAIException>(() => new ProviderConnection { UseEmulator = true, BaseUrl = "http://127.0.0.1/v1" }.ResolveBaseUrl()).ErrorId);

    [Fact]
    public void AGivenKeyWins() => Assert.Equal("sk-given", new ProviderConnection { ApiKey = "sk-given" }.ResolveApiKey());

    [Theory]
    [InlineData("http://127.0.0.1:9000/v1")]
    [InlineData("http://localhost:9000/v1")]
    [InlineData("http://[::1]:9000/v1")]
    public void LocalServersNeedNoKey(string baseUrl)
    {
        if (Environment.GetEnvironmentVariable("OPENAI_API_KEY") is null)
        {
            Assert.Equal("batchai-local-no-key", new ProviderConnection { BaseUrl = baseUrl }.ResolveApiKey());
        }

        Assert.True(ProviderConnection.IsLoopback(new Uri(baseUrl)));
    }

    [Fact]
    public void ARemoteProviderWithoutAKeyIsAnAuthenticationError()
    {
        if (Environment.GetEnvironmentVariable("OPENAI_API_KEY") is not null)
        {
            return; // A developer's own key would be used; nothing to check here.
        }

        var error = Assert.Throws<BatchAIException>(() => new ProviderConnection().ResolveApiKey());

        Assert.Equal((ErrorKind.Authentication, "ApiKeyMissing"), (error.Kind, error.ErrorId));
        Assert.Contains("OPENAI_API_KEY", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://batch-gateway.example.com/v1")]
    [InlineData("http://10.0.0.5:8080/v1")]
    public void PlainHttpToAnotherMachineIsRefusedBeforeAnyKeyIsSent(string baseUrl)
    {
        var error = Assert.Throws<BatchAIException>(() => new ProviderConnection { BaseUrl = baseUrl, ApiKey = "k" }.ResolveBaseUrl());

        Assert.Equal("BaseUrlInsecure", error.ErrorId);
        Assert.Contains("clear text", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/v1")]
    [InlineData("http://localhost:8080/v1")]
    [InlineData("http://[::1]:8080/v1")]
    [InlineData("https://batch-gateway.example.com/v1")]
    public void HttpsAndLoopbackHttpAreAccepted(string baseUrl) =>
        Assert.StartsWith(baseUrl, new ProviderConnection { BaseUrl = baseUrl, ApiKey = "k" }.ResolveBaseUrl().AbsoluteUri, StringComparison.Ordinal);
}
