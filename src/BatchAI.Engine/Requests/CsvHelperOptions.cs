using System.Reflection;
using CsvHelper;

namespace BatchAI.Requests;

/// <summary>
/// Builds CsvHelper's option objects. CsvHelper 34 declares their properties init-only, and its netstandard2.0 and
/// net10.0 builds mark those setters with different <c>IsExternalInit</c> types (its own polyfill versus the
/// runtime's). A setter call compiled into this netstandard2.0 engine therefore fails with MissingMethodException
/// wherever the net10.0 build of CsvHelper is loaded: in the <c>batchai</c> CLI and in the tests. Reflection binds
/// setters by name and works with either build, so options are set here and nowhere else.
/// </summary>
internal static class CsvHelperOptions
{
    public static CsvReaderOptions Reader(char separator, Action<CsvMalformedRecord> onMalformedRecord) => Build<CsvReaderOptions>(
        (nameof(CsvReaderOptions.Separator), (char?)separator),
        (nameof(CsvReaderOptions.HasHeader), true),
        (nameof(CsvReaderOptions.TrimWhitespace), false),
        (nameof(CsvReaderOptions.TrackLineNumbers), true),
        (nameof(CsvReaderOptions.MalformedData), CsvMalformedDataHandling.Skip),
        (nameof(CsvReaderOptions.FieldCountMismatch), CsvFieldCountHandling.Skip),
        (nameof(CsvReaderOptions.OnMalformedRecord), onMalformedRecord));

    private static T Build<T>(params (string Property, object? Value)[] settings)
        where T : new()
    {
        var options = new T();
        foreach (var (property, value) in settings)
        {
            var info = typeof(T).GetProperty(property, BindingFlags.Public | BindingFlags.Instance)
                ?? throw new MissingMemberException(typeof(T).FullName, property);
            info.SetValue(options, value);
        }

        return options;
    }
}
