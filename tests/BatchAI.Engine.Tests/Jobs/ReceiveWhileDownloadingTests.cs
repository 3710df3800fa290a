using System.Globalization;
using System.Text.Json;
using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// A first receive joins each record to its result while later batches still download. Nothing about what comes out
/// may differ from a join of the same results read back from the ledger, and a failure on either side stops both
/// without leaving the job unusable.
/// </summary>
public sealed class ReceiveWhileDownloadingTests : IDisposable
{
    // Two models alternate, so the job's batches interleave in the input: a record often waits for a later batch.
    private readonly EngineHarness _harness = new(limits: new ProviderLimits(maxRequestsPerBatch: 3, maxBytesPerBatch: 1_000_000));
    private readonly HeldDownloads _downloads = new();

    public ReceiveWhileDownloadingTests() => _harness.Wrap = emulator => new HeldDownloads.Handler(_downloads, emulator);

    [Fact]
    public async Task ResultsComeOutWhileALaterBatchIsStillDownloading()
    {
        var job = await SubmitAsync(12);
        _downloads.HoldAfter = 1; // every download after the first waits until a result has come out (or 20 s)

        var results = new List<BatchResult>();
        await _harness.Service.ReceiveAsync(job.Id, r => { results.Add(r); _downloads.Release(); }, null, _harness.Reporter, CancellationToken.None);

        Assert.False(_downloads.ReleasedByTimeout, "a held download waited its full time: no result came out while it was held");
        Assert.True(_downloads.ReleasedByAResult, "no result came out before every batch was downloaded");
        Assert.Equal(Enumerable.Range(1, 12).Select(i => "row-" + i), results.Select(r => r.CustomId));
        Assert.All(results, r => Assert.Equal(ResultStatus.Succeeded, r.Status));

        // One progress bar, the join's: the download beside it reports what it did, but not as progress.
        Assert.DoesNotContain(_harness.Reporter.ProgressReports, p => p.Status.StartsWith("downloading", StringComparison.Ordinal));
        Assert.Contains(_harness.Reporter.ProgressReports, p => p.Completed);
        Assert.Equal(4, _harness.Reporter.VerboseMessages.Count(m => m.Contains("result(s) of batch", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task WhatComesOutIsWhatAJoinFromTheLedgerGives()
    {
        _harness.Processing = TimeSpan.FromHours(48); // batches expire part done: successes, expired and synthesized lines
        var job = await SubmitAsync(30);
        await _harness.WaitAsync(job.Id, new WaitOptions { MaxPollInterval = TimeSpan.FromHours(1) });

        var (besideSummary, beside) = await _harness.ReceiveAsync(job.Id); // joined while downloading
        var countedBeside = _harness.Service.Get(job.Id).Records!.ToString();
        var (ledgerSummary, fromLedger) = await _harness.ReceiveAsync(job.Id); // everything is in the ledger now

        Assert.Equal(fromLedger.Select(Describe), beside.Select(Describe));
        Assert.Equal(ledgerSummary.ToString(), besideSummary.ToString());
        Assert.True(besideSummary.Succeeded > 0 && besideSummary.Expired > 0, besideSummary.ToString());
        Assert.Equal(_harness.Service.Get(job.Id).Records!.ToString(), countedBeside);

        // The download counted its parts as it wrote them; counting every record from the ledger gives the same.
        var ledger = new JobLedger(job.Folder);
        var fromFiles = JobRecords.Count(ledger, ledger.Load());
        Assert.Equal(fromFiles.ToString(), countedBeside);
        Assert.Equal((fromFiles.Retryable, fromFiles.Total), (_harness.Service.Get(job.Id).Records!.Retryable, 30L));
    }

    [Theory]
    [InlineData(KeptAnswers.DefaultBudget)] // every plain answer kept in memory for the join
    [InlineData(KeptAnswers.BlockSize)] // room for one part's at a time: the rest read back from the ledger
    [InlineData(0L)] // none kept: every row from the ledger's lines
    public async Task AResultsFileWrittenFromTheLedgersBytesIsTheFileTheJoinWrites(long keptAnswerBytes)
    {
        _harness.Processing = TimeSpan.FromHours(48); // successes, and batches that expired part done
        var requests = Enumerable.Range(1, 30).Select(i => new BatchRequest(
            "row-" + i,
            new SourceRecord(i, new ColumnSet(["n", "text"]), [i % 5 == 0 ? (long)i : i.ToString(CultureInfo.InvariantCulture), "Zoë, \"quoted\"\nline " + i]), // every fifth a number: the general way
            "Say something " + i,
            i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini"));
        var job = await _harness.SubmitAsync(requests);
        await _harness.WaitAsync(job.Id, new WaitOptions { MaxPollInterval = TimeSpan.FromHours(1) });
        using var folder = new TempDirectory();
        var columns = _harness.Service.Get(job.Id).Columns;
        using var service = _harness.NewService(_harness.Limits, keptAnswerBytes);

        async Task<ReceiveSummary> ReceiveInto(string file, Func<ResultFileWriter, Task<ReceiveSummary>> receive)
        {
            using var writer = ResultFileWriter.Create(folder.File(file), columns);
            var summary = await receive(writer);
            writer.Complete();
            return summary;
        }

        var fromBytes = await ReceiveInto("from-bytes.csv", w => service.ReceiveAsync(job.Id, w, null, _harness.Reporter, CancellationToken.None)); // beside the download
        var results = new List<BatchResult>();
        var joined = await ReceiveInto("joined.csv", w => service.ReceiveAsync(job.Id, r => { w.Write(r); results.Add(r); }, null, _harness.Reporter, CancellationToken.None)); // every row joined, from the ledger

        Assert.Equal(File.ReadAllText(folder.File("joined.csv")), File.ReadAllText(folder.File("from-bytes.csv")));
        Assert.Equal(joined.ToString(), fromBytes.ToString());
        Assert.True(fromBytes.Succeeded > 0 && fromBytes.Expired > 0, fromBytes.ToString());
        Assert.Equal(31, File.ReadAllLines(folder.File("joined.csv")).Count(l => l.StartsWith("line ", StringComparison.Ordinal)) + 1); // a row per record

        // Which rows came from kept answers: every plain success when there is room (a number in the source is not
        // plain: that row read its line after all), some with room for one part, none without.
        var plain = results.Count(r => r.Status == ResultStatus.Succeeded && r.Source.TryGetValue("n", out var n) && n is string);
        Assert.Equal(0, joined.FromKeptAnswers);
        switch (keptAnswerBytes)
        {
            case KeptAnswers.DefaultBudget: Assert.Equal(plain, fromBytes.FromKeptAnswers); break;
            case 0: Assert.Equal(0, fromBytes.FromKeptAnswers); break;
            default: Assert.InRange(fromBytes.FromKeptAnswers, 1, plain); break;
        }
    }

    [Fact]
    public async Task AnAnswerGivenTwiceAndOneForAnIdNotOursJoinAsFromTheLedger()
    {
        var job = await SubmitAsync(12);

        // Each results file gets its first line again with another answer (the later line wins), and a line for an id
        // the job does not have (kept in the ledger, joined to nothing).
        _downloads.Rewrite = content =>
        {
            var first = content.Substring(0, content.IndexOf('\n') + 1);
            var customId = JsonDocument.Parse(first).RootElement.GetProperty("custom_id").GetString()!;
            return content + first.Replace("[emulated]", "[answered again]") + first.Replace("\"" + customId + "\"", "\"not-ours\"");
        };
        var (besideSummary, beside) = await _harness.ReceiveAsync(job.Id);
        var (ledgerSummary, fromLedger) = await _harness.ReceiveAsync(job.Id);

        Assert.Equal(fromLedger.Select(Describe), beside.Select(Describe));
        Assert.Equal(ledgerSummary.ToString(), besideSummary.ToString());
        Assert.Equal(4, beside.Count(r => r.Output!.StartsWith("[answered again]", StringComparison.Ordinal))); // one per batch
        Assert.Equal(Enumerable.Range(1, 12).Select(i => "row-" + i), beside.Select(r => r.CustomId));
        Assert.Contains("\"not-ours\"", File.ReadAllText(new JobLedger(job.Folder).ResultsPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnIdListThatDisagreesWithTheRequestsFileIsNamedNotJoinedWrong()
    {
        var job = await SubmitAsync(12);
        var ids = Path.Combine(job.Folder, "parts", "part-0001.ids");
        var lines = File.ReadAllLines(ids);
        (lines[0], lines[1]) = (lines[1], lines[0]); // a damaged list: its first two records swapped
        File.WriteAllLines(ids, lines);

        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.ReceiveAsync(job.Id));

        Assert.Equal("JobIdsCorrupt", error.ErrorId);
        Assert.Contains("part-0001.ids", error.Message, StringComparison.Ordinal);
        Assert.Contains("'" + lines[1] + "'", error.Message, StringComparison.Ordinal); // the record whose result was another's
    }

    [Fact]
    public async Task AnIdListThatDisagreesWithTheRequestsFileIsNamedWhenItsAnswersWereKept()
    {
        var job = await SubmitAsync(12);
        var ids = Path.Combine(job.Folder, "parts", "part-0002.ids");
        var lines = File.ReadAllLines(ids);
        (lines[1], lines[2]) = (lines[2], lines[1]);
        File.WriteAllLines(ids, lines);
        using var folder = new TempDirectory();
        using var writer = ResultFileWriter.Create(folder.File("out.csv"), _harness.Service.Get(job.Id).Columns);

        var error = await Assert.ThrowsAsync<BatchAIException>(() => _harness.Service.ReceiveAsync(job.Id, writer, null, _harness.Reporter, CancellationToken.None));

        Assert.Equal("JobIdsCorrupt", error.ErrorId);
        Assert.Contains("part-0002.ids", error.Message, StringComparison.Ordinal);
        Assert.Contains("'" + lines[2] + "'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedDownloadIsTheErrorSeenAndTheNextReceiveGetsEverything()
    {
        var job = await SubmitAsync(12);
        _downloads.FailAfter = 2; // the third download is refused

        var seen = new List<BatchResult>();
        var error = await Assert.ThrowsAsync<ProviderException>(() => _harness.Service.ReceiveAsync(job.Id, seen.Add, null, _harness.Reporter, CancellationToken.None));

        // The second batch was being made durable while the third was asked for: that finished before the error came
        // out, so the ledger says both downloads before the refused one are in.
        Assert.Equal([true, true, false, false], new JobLedger(job.Folder).Load().Parts.Select(p => p.ResultsDownloaded));
        _downloads.FailAfter = null;
        var (summary, results) = await _harness.ReceiveAsync(job.Id);

        Assert.Contains("refused by the test", error.Message, StringComparison.Ordinal);
        Assert.True(seen.Count < 12);
        Assert.Equal((12L, 12L), (summary.Total, summary.Succeeded));
        Assert.Equal(Enumerable.Range(1, 12).Select(i => "row-" + i), results.Select(r => r.CustomId));
    }

    [Fact]
    public async Task AJoinThatFailsStopsTheDownloadAndTheNextReceiveGetsEverything()
    {
        var job = await SubmitAsync(12);
        _downloads.HoldAfter = 1;

        var error = await Assert.ThrowsAsync<IOException>(() => _harness.Service.ReceiveAsync(job.Id, _ => throw new IOException("the disk is full"), null, _harness.Reporter, CancellationToken.None));
        _downloads.HoldAfter = null;
        var (summary, results) = await _harness.ReceiveAsync(job.Id);

        Assert.Equal("the disk is full", error.Message);
        Assert.False(_downloads.ReleasedByTimeout, "the failed join waited for the download instead of stopping it");
        Assert.Equal((12L, 12L), (summary.Total, summary.Succeeded));
        Assert.Equal(Enumerable.Range(1, 12).Select(i => "row-" + i), results.Select(r => r.CustomId));
    }

    [Fact]
    public async Task CancellingStopsBothAndTheNextReceiveGetsEverything()
    {
        var job = await SubmitAsync(12);
        _downloads.HoldAfter = 1;
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _harness.Service.ReceiveAsync(job.Id, _ => cancel.Cancel(), null, _harness.Reporter, cancel.Token));
        _downloads.HoldAfter = null;
        var (summary, _) = await _harness.ReceiveAsync(job.Id);

        Assert.False(_downloads.ReleasedByTimeout, "the canceled receive waited for the download instead of stopping it");
        Assert.Equal((12L, 12L), (summary.Total, summary.Succeeded));
    }

    public void Dispose() => _harness.Dispose();

    private async Task<BatchJob> SubmitAsync(int count)
    {
        var job = await _harness.SubmitAsync(Enumerable.Range(1, count).Select(i => EngineHarness.Request(i, i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini")));
        await _harness.WaitAsync(job.Id);
        return job;
    }

    private static string Describe(BatchResult r) => string.Join(
        "|",
        r.CustomId,
        r.RowNumber.ToString(CultureInfo.InvariantCulture),
        string.Join(",", r.Source.Pairs().Select(p => p.Key + "=" + p.Value)),
        r.Status,
        r.Output,
        r.Json,
        r.InputTokens,
        r.CachedInputTokens,
        r.OutputTokens,
        r.ErrorCode,
        r.ErrorMessage,
        r.Retryable,
        r.BatchId,
        string.Join(",", r.Details.Select(d => d.Key + "=" + d.Value)));

    /// <summary>Holds or refuses downloads of result files after the first few, as a slow or failing network would.</summary>
    private sealed class HeldDownloads
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _downloads;

        public int? HoldAfter { get; set; }

        public int? FailAfter { get; set; }

        /// <summary>Changes the text of each results file downloaded.</summary>
        public Func<string, string>? Rewrite { get; set; }

        public bool ReleasedByAResult { get; private set; }

        public bool ReleasedByTimeout { get; private set; }

        public void Release()
        {
            if (_released.TrySetResult())
            {
                ReleasedByAResult = true;
            }
        }

        public sealed class Handler(HeldDownloads owner, HttpMessageHandler inner) : DelegatingHandler(inner)
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.EndsWith("/content", StringComparison.Ordinal))
                {
                    var number = Interlocked.Increment(ref owner._downloads);
                    if (number > owner.FailAfter)
                    {
                        return new HttpResponseMessage(System.Net.HttpStatusCode.Forbidden) { Content = new StringContent("""{"error":{"message":"refused by the test","type":"invalid_request_error"}}""") };
                    }

                    if (number > owner.HoldAfter)
                    {
                        var released = await Task.WhenAny(owner._released.Task, Task.Delay(TimeSpan.FromSeconds(20), cancellationToken)).ConfigureAwait(false);
                        owner.ReleasedByTimeout |= released != owner._released.Task && !cancellationToken.IsCancellationRequested;
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }

                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (owner.Rewrite is { } rewrite && request.RequestUri!.AbsolutePath.EndsWith("/content", StringComparison.Ordinal))
                {
                    response.Content = new StringContent(rewrite(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)));
                }

                return response;
            }
        }
    }
}
