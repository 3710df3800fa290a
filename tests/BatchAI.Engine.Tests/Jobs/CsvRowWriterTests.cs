using System.Text;
using BatchAI.Jobs;
using CsvHelper;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>Results files are written without CsvHelper's writer; they must hold the bytes it would have written.</summary>
public class CsvRowWriterTests
{
    // What makes CSV hard, and what merely looks like it: separators of both kinds, quotes, line breaks of every kind,
    // white space at the ends, non-ASCII (two, three and four bytes), a lone surrogate, and empty and missing fields.
    private static readonly string[] Pieces = ["a", "Zoë", "日本", "😀", ",", "\t", "\"", "\r", "\n", "\r\n", " ", "'", ";", "=1+2", "\ud800", "x y", "\"\""];

    [Theory]
    [InlineData(',')]
    [InlineData('\t')]
    public void WritesTheBytesCsvHelperWrites(char separator)
    {
        var random = new Random(20261129 + separator);
        // Every row of a results file has the same fields (CsvHelper refuses any other).
        var rows = new List<string?[]>
        {
            new string?[] { "plain", string.Empty, null, "quote \" inside", "\"starts", "ends\"", " spaced " },
            new string?[] { "line\nbreak", "cr\ronly", "crlf\r\nend", string.Empty, null, null, "tab\tin" },
        };
        for (var i = 0; i < 3_000; i++)
        {
            var row = new string?[7];
            for (var f = 0; f < row.Length; f++)
            {
                row[f] = random.Next(12) switch
                {
                    0 => null,
                    1 => string.Empty,
                    _ => string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(_ => Pieces[random.Next(Pieces.Length)])),
                };
            }

            rows.Add(row);
        }

        Assert.Equal(Hex(WithCsvHelper(rows, separator)), Hex(Ours(rows, separator)));
    }

    [Fact]
    public void LongFieldsAndManyRowsCrossTheBuffer()
    {
        var rows = Enumerable.Range(0, 2_000).Select(i => new string?[] { new string('x', i * 37 % 5_000) + "\"" + i, "Zoë " + i }).ToList();
        rows.Add([new string('日', 100_000), null]);

        Assert.Equal(WithCsvHelper(rows, ','), Ours(rows, ','));
    }

    private static byte[] Ours(IEnumerable<string?[]> rows, char separator)
    {
        using var stream = new MemoryStream();
        var writer = new CsvRowWriter(stream, separator);
        foreach (var row in rows)
        {
            foreach (var field in row)
            {
                writer.Field(field);
            }

            writer.EndRecord();
        }

        writer.Flush();
        return stream.ToArray();
    }

    private static byte[] WithCsvHelper(IEnumerable<string?[]> rows, char separator)
    {
        using var stream = new MemoryStream();
        // What the results file was written with before: RFC 4180, quoted only where needed.
        using (var csv = CsvWriter.Create(stream, new CsvWriterOptions { Separator = separator, Quoting = CsvQuoting.WhenNeeded }, leaveOpen: true))
        {
            foreach (var row in rows)
            {
                foreach (var field in row)
                {
                    csv.WriteField(field ?? string.Empty);
                }

                csv.EndRecord();
            }
        }

        return stream.ToArray();
    }

    private static string Hex(byte[] bytes) => Encoding.UTF8.GetString(bytes).Replace("\r", "<CR>", StringComparison.Ordinal).Replace("\n", "<LF>\n", StringComparison.Ordinal);
}
