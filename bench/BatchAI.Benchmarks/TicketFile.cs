using System.Globalization;
using System.Text;

namespace BatchAI.Benchmarks;

/// <summary>A CSV of support tickets with quotes, commas, line breaks and non-ASCII text, written once per benchmark run.</summary>
internal static class TicketFile
{
    /// <summary>A new folder for one benchmark run's files (the GlobalCleanup deletes it).</summary>
    public static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "batchai-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static string Write(string folder, int rows)
    {
        var path = Path.Combine(folder, "tickets-" + rows.ToString(CultureInfo.InvariantCulture) + ".csv");
        var builder = new StringBuilder("ticket_id,subject,body,customer\r\n");
        for (var i = 1; i <= rows; i++)
        {
            builder.Append(CultureInfo.InvariantCulture, $"T-{i:000000},\"Charged twice, please refund {i % 17}\",\"Ticket {i}: \"\"Error 500\"\" on export;\nplease help, ü ß 日本語\",Zoë Ångström\r\n");
        }

        File.WriteAllText(path, builder.ToString(), new UTF8Encoding(false));
        return path;
    }
}
