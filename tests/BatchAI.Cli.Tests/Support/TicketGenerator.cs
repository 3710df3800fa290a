using System.Text;

namespace BatchAI.Cli.Tests.Support;

/// <summary>
/// Writes a deterministic CSV of support tickets that is hard to round-trip: separators, quotes and both kinds of line
/// break inside fields, leading and trailing spaces, empty fields, and non-ASCII text (accents, CJK, emoji).
/// </summary>
internal static class TicketGenerator
{
    private static readonly string[] Subjects =
    [
        "Login fails", "Charged twice, please refund", "Export says \"Error 500\"", "無法登入", "Café menu broken",
        "  leading and trailing spaces  ", "Emoji 🎉 in subject", "Line one\nline two", "Windows\r\nline break", "",
    ];

    private static readonly string[] Customers = ["Zoë Ångström", "李雷", "José Núñez", "O'Brien, Tom", "\"Quoted\" Name", "Anna"];

    public static IReadOnlyList<string[]> Write(string path, int rows)
    {
        var records = new List<string[]>(rows);
        var builder = new StringBuilder();
        builder.Append("ticket_id,subject,body,customer,notes\r\n");
        for (var i = 1; i <= rows; i++)
        {
            var record = new[]
            {
                $"T-{i:00000}",
                Subjects[i % Subjects.Length],
                $"Ticket {i}: \"{Subjects[(i * 7) % Subjects.Length]}\", priority {i % 5};\nplease help, ü ß ç 日本語 {(i % 3 == 0 ? "🚀" : "")}",
                Customers[i % Customers.Length],
                i % 4 == 0 ? string.Empty : $"note {i}\r\nwith CRLF, and a comma",
            };
            records.Add(record);
            builder.Append(string.Join(",", record.Select(Quote))).Append("\r\n");
        }

        File.WriteAllText(path, builder.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return records;
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\r', '\n']) >= 0 || field.StartsWith(' ') || field.EndsWith(' ')
            ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : field;
}
