namespace BatchAI.Requests;

/// <summary>
/// A value that arrived as JSON other than a string or boolean (a number, object or array), kept as its exact
/// source text so that it is written back byte for byte: <c>1.50</c> stays <c>1.50</c>, not <c>1.5</c>.
/// </summary>
public sealed class JsonText : IEquatable<JsonText>
{
    public JsonText(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("JSON text cannot be empty.", nameof(text));
        }

        Text = text;
    }

    public string Text { get; }

    public bool Equals(JsonText? other) => other is not null && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as JsonText);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    public override string ToString() => Text;
}
