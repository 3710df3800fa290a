using System.Text.Json;
using BatchAI.Emulator.Tests.Support;

namespace BatchAI.Emulator.Tests.OpenAI;

public sealed class BatchLifecycleTests : IDisposable
{
    private static readonly string[] RequiredBatchFields = ["id", "object", "endpoint", "input_file_id", "completion_window", "status", "created_at"];
    private readonly EmulatorHarness _harness = new();

    [Fact]
    public async Task MovesThroughTheStatesInOrderWithTheirTimestamps()
    {
        var created = await _harness.SubmitAsync(EmulatorHarness.ChatLine("a", "x"), EmulatorHarness.ChatLine("b", "y"));
        var id = created.GetProperty("id").GetString()!;
        var start = _harness.Clock.Now.ToUnixTimeSeconds();
        var seen = new List<JsonElement> { created };
        foreach (var seconds in new[] { 2, 7, 2 })
        {
            _harness.Clock.Advance(TimeSpan.FromSeconds(seconds));
            seen.Add(await _harness.GetJsonAsync("batches/" + id));
        }

        Assert.Equal(["validating", "in_progress", "finalizing", "completed"], seen.Select(b => b.GetProperty("status").GetString()));
        var done = seen[^1];
        Assert.Equal(start, done.GetProperty("created_at").GetInt64());
        Assert.Equal(start + 1, done.GetProperty("in_progress_at").GetInt64());
        Assert.Equal(start + 9, done.GetProperty("finalizing_at").GetInt64());
        Assert.Equal(start + 10, done.GetProperty("completed_at").GetInt64());
        Assert.Equal(start + 86_400, done.GetProperty("expires_at").GetInt64());
        Assert.Equal(JsonValueKind.Null, seen[0].GetProperty("expires_at").ValueKind);
        Assert.All(seen, b => Assert.All(RequiredBatchFields, f => Assert.True(b.TryGetProperty(f, out _), f)));
        Assert.All(seen, b => Assert.Equal("batch", b.GetProperty("object").GetString()));
        Assert.Equal("gpt-4o-mini", done.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("error_file_id").ValueKind);
        Assert.True(done.GetProperty("usage").GetProperty("total_tokens").GetInt64() > 0);
    }

    [Fact]
    public async Task WithNoProcessingTimeCreateStillAnswersValidatingAndTheNextReadHasTheFiles()
    {
        _harness.Options.ProcessingTime = TimeSpan.Zero;

        var created = await _harness.SubmitAsync(EmulatorHarness.ChatLine("a", "x"));
        var read = await _harness.GetJsonAsync("batches/" + created.GetProperty("id").GetString());

        Assert.Equal("validating", created.GetProperty("status").GetString());
        Assert.Equal("completed", read.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, read.GetProperty("output_file_id").ValueKind);
    }

    [Fact]
    public async Task CountsGrowWhileRunning()
    {
        var created = await _harness.SubmitAsync(Enumerable.Range(1, 100).Select(i => EmulatorHarness.ChatLine("r" + i, "p")).ToArray());
        var id = created.GetProperty("id").GetString()!;

        var counts = new List<int>();
        foreach (var seconds in new[] { 0, 2, 2, 2, 4 })
        {
            _harness.Clock.Advance(TimeSpan.FromSeconds(seconds));
            counts.Add((await _harness.GetJsonAsync("batches/" + id)).GetProperty("request_counts").GetProperty("completed").GetInt32());
        }

        Assert.Equal(counts.Order(), counts);
        Assert.Equal(0, counts[0]);
        Assert.InRange(counts[2], 25, 75);
        Assert.Equal(100, counts[^1]);
    }

    [Fact]
    public async Task OutputComesBackInADifferentOrderFromTheInput()
    {
        var ids = Enumerable.Range(1, 50).Select(i => "r" + i).ToList();
        var created = await _harness.SubmitAsync(ids.Select(i => EmulatorHarness.ChatLine(i, "p " + i)).ToArray());
        _harness.Clock.Advance(TimeSpan.FromSeconds(11));

        var done = await _harness.GetJsonAsync("batches/" + created.GetProperty("id").GetString());
        var output = await _harness.DownloadLinesAsync(done.GetProperty("output_file_id").GetString()!);

        var returned = output.Select(l => l.GetProperty("custom_id").GetString()!).ToList();
        Assert.Equal(ids.Order(), returned.Order());
        Assert.NotEqual(ids, returned);
    }

    [Fact]
    public async Task ARequestTheModelRejectsIsA400LineInTheErrorFile()
    {
        var created = await _harness.SubmitAsync(
            EmulatorHarness.ChatLine("good", "x"),
            """{"custom_id":"bad","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[]}}""");
        _harness.Clock.Advance(TimeSpan.FromSeconds(11));

        var done = await _harness.GetJsonAsync("batches/" + created.GetProperty("id").GetString());
        var error = Assert.Single(await _harness.DownloadLinesAsync(done.GetProperty("error_file_id").GetString()!));

        Assert.Equal((1, 1), (done.GetProperty("request_counts").GetProperty("completed").GetInt32(), done.GetProperty("request_counts").GetProperty("failed").GetInt32()));
        Assert.Equal("bad", error.GetProperty("custom_id").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("error").ValueKind);
        Assert.Equal(400, error.GetProperty("response").GetProperty("status_code").GetInt32());
        Assert.Equal("messages", error.GetProperty("response").GetProperty("body").GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task ABatchThatCannotFinishInItsWindowExpiresWithPartialResults()
    {
        _harness.Options.ProcessingTime = TimeSpan.FromHours(48);
        var created = await _harness.SubmitAsync(Enumerable.Range(1, 20).Select(i => EmulatorHarness.ChatLine("r" + i, "p")).ToArray());
        _harness.Clock.Advance(TimeSpan.FromHours(24));

        var expired = await _harness.GetJsonAsync("batches/" + created.GetProperty("id").GetString());
        var answered = await _harness.DownloadLinesAsync(expired.GetProperty("output_file_id").GetString()!);
        var unrun = await _harness.DownloadLinesAsync(expired.GetProperty("error_file_id").GetString()!);

        Assert.Equal("expired", expired.GetProperty("status").GetString());
        Assert.Equal(_harness.Clock.Now.ToUnixTimeSeconds(), expired.GetProperty("expired_at").GetInt64());
        Assert.Equal(20, answered.Count + unrun.Count);
        Assert.InRange(answered.Count, 8, 12);
        Assert.All(unrun, l => Assert.Equal("batch_expired", l.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal(unrun.Count, expired.GetProperty("request_counts").GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task CancellingATerminalBatchChangesNothing()
    {
        var created = await _harness.SubmitAsync(EmulatorHarness.ChatLine("a", "x"));
        var id = created.GetProperty("id").GetString()!;
        _harness.Clock.Advance(TimeSpan.FromSeconds(11));

        var afterCancel = await _harness.PostJsonAsync($"batches/{id}/cancel");

        Assert.Equal("completed", afterCancel.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, afterCancel.GetProperty("cancelling_at").ValueKind);
    }

    [Fact]
    public async Task CancellingWhileValidatingCancelsEveryRequest()
    {
        var created = await _harness.SubmitAsync(EmulatorHarness.ChatLine("a", "x"), EmulatorHarness.ChatLine("b", "y"));
        var id = created.GetProperty("id").GetString()!;

        await _harness.PostJsonAsync($"batches/{id}/cancel");
        _harness.Clock.Advance(TimeSpan.FromSeconds(5));
        var cancelled = await _harness.GetJsonAsync("batches/" + id);

        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, cancelled.GetProperty("in_progress_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, cancelled.GetProperty("output_file_id").ValueKind);
        Assert.Equal(2, (await _harness.DownloadLinesAsync(cancelled.GetProperty("error_file_id").GetString()!)).Count);
        Assert.Equal(2, cancelled.GetProperty("request_counts").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ListsNewestFirstWithCursorPagination()
    {
        var file = await _harness.UploadAsync(EmulatorHarness.ChatLine("a", "x") + "\n");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _harness.CreateBatchAsync(file.GetProperty("id").GetString()!)).GetProperty("id").GetString()!);
            _harness.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await _harness.GetJsonAsync("batches?limit=2");
        var second = await _harness.GetJsonAsync("batches?limit=2&after=" + first.GetProperty("last_id").GetString());

        Assert.Equal("list", first.GetProperty("object").GetString());
        Assert.Equal([ids[2], ids[1]], first.GetProperty("data").EnumerateArray().Select(b => b.GetProperty("id").GetString()));
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal([ids[0]], second.GetProperty("data").EnumerateArray().Select(b => b.GetProperty("id").GetString()));
        Assert.False(second.GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task TwoEmulatorsOnOneStateFolderAreOneProvider()
    {
        var created = await _harness.SubmitAsync(EmulatorHarness.ChatLine("a", "x"), EmulatorHarness.ChatLine("b", "y"));
        var id = created.GetProperty("id").GetString()!;
        using var other = new EmulatorHarness(stateDirectory: _harness.StateDirectory);
        _harness.Clock.Advance(TimeSpan.FromSeconds(11));
        other.Clock.Advance(TimeSpan.FromSeconds(11));

        var fromOther = await other.GetJsonAsync("batches/" + id);
        var fromFirst = await _harness.GetJsonAsync("batches/" + id);

        Assert.Equal("completed", fromOther.GetProperty("status").GetString());
        Assert.Equal(fromOther.GetProperty("output_file_id").GetString(), fromFirst.GetProperty("output_file_id").GetString());
        Assert.Equal(2, (await _harness.DownloadLinesAsync(fromOther.GetProperty("output_file_id").GetString()!)).Count);
    }

    public void Dispose() => _harness.Dispose();
}
