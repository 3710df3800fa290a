using System.Text.Json;
using BatchAI.Providers;
using BatchAI.Providers.Gemini;

namespace BatchAI.Engine.Tests.Providers;

/// <summary>How providers, their models and their API versions are named, and what a wrong name gets back.</summary>
public sealed class ProviderNamingTests
{
    [Theory]
    [InlineData("openai", ProviderKind.OpenAI)]
    [InlineData("Anthropic", ProviderKind.Anthropic)]
    [InlineData(" gemini ", ProviderKind.Gemini)]
    [InlineData("azure-openai", ProviderKind.AzureOpenAI)]
    [InlineData("AzureOpenAI", ProviderKind.AzureOpenAI)]
    public void CommandLineAndEnumNamesBothRead(string text, ProviderKind expected) =>
        Assert.Equal(expected, ProviderNames.Parse(text));

    [Fact]
    public void AnUnknownProviderListsTheKnownOnes()
    {
        var error = Assert.Throws<BatchAIException>(() => ProviderNames.Parse("mistral"));

        Assert.Equal("ProviderUnknown", error.ErrorId);
        Assert.Contains("openai, anthropic, gemini, azure-openai", error.Message, StringComparison.Ordinal);
        Assert.False(ProviderNames.TryParse(null, out _));
    }

    [Fact]
    public void ModelNamesCompleteFromThePriceSnapshotPerProvider()
    {
        var claude = KnownModels.Complete(ProviderKind.Anthropic, "CLAUDE-HAIKU").ToList();

        Assert.Contains("claude-haiku-4-5", claude);
        Assert.All(claude, m => Assert.StartsWith("claude-haiku", m, StringComparison.Ordinal));
        Assert.Contains("gemini-2.5-flash", KnownModels.For(ProviderKind.Gemini));
        Assert.DoesNotContain(KnownModels.For(ProviderKind.Gemini), m => m.StartsWith("gpt", StringComparison.Ordinal));
        Assert.Equal(KnownModels.For(ProviderKind.OpenAI), KnownModels.For(ProviderKind.AzureOpenAI));

        // Responses-only models are priced but not offered: BatchAI sends Chat Completions.
        Assert.False(BatchAI.Costs.PriceTable.Load().TryFind("gpt-5-pro", out _));
        Assert.DoesNotContain("gpt-5-pro", KnownModels.For(ProviderKind.OpenAI));
        Assert.Contains("gpt-4o-mini", KnownModels.For(ProviderKind.OpenAI));
    }

    [Theory]
    [InlineData(ProviderKind.OpenAI, "2024-10-21", "only azure-openai and gemini")]
    [InlineData(ProviderKind.Anthropic, "2023-06-01", "only azure-openai and gemini")]
    [InlineData(ProviderKind.Gemini, "v2", "v1beta (the default), v1 or v1alpha")]
    [InlineData(ProviderKind.AzureOpenAI, "october", "a dated version such as 2024-10-21")]
    public void AnApiVersionTheProviderDoesNotTakeIsRefusedBeforeAnyCall(ProviderKind provider, string version, string expected)
    {
        var connection = new ProviderConnection { Provider = provider, BaseUrl = "https://provider.example", ApiVersion = version };

        var error = Assert.Throws<BatchAIException>(() => connection.ResolveBaseUrl());

        Assert.Equal("ApiVersionInvalid", error.ErrorId);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProviderKind.Gemini, " v1 ")]
    [InlineData(ProviderKind.AzureOpenAI, "2025-04-01-preview")]
    [InlineData(ProviderKind.AzureOpenAI, "v1")]
    public void TheVersionsEachProviderTakesAreAccepted(ProviderKind provider, string version) =>
        Assert.NotNull(new ProviderConnection { Provider = provider, BaseUrl = "https://provider.example", ApiVersion = version }.ResolveBaseUrl());

    [Fact]
    public void ASchemaGeminiCannotExpressIsRefusedWithWhy()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"a":{"$ref":"https://example.com/other.json"}}}""");
        using var writer = new Utf8JsonWriter(new MemoryStream());

        var error = Assert.Throws<BatchAIException>(() => GeminiSchema.Write(writer, schema.RootElement));

        Assert.Equal("SchemaNotSupported", error.ErrorId);
        Assert.Contains("https://example.com/other.json", error.Message, StringComparison.Ordinal);
    }
}
