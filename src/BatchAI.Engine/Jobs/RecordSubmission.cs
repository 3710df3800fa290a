using System.Globalization;
using BatchAI.Hosting;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// The whole first flow for a file of records: read it, make a request of each record, stream the requests into a
/// job draft, and submit, but only when every record is good. Each bad record is reported (row, line, field) and,
/// if there is any, nothing is sent and the draft leaves no trace; unless the job asked to skip invalid records,
/// in which case the rest is submitted and the left-out ones are listed in the job's skipped.jsonl.
/// </summary>
public static class RecordSubmission
{
    /// <summary>How many problems an exception carries; all of them are reported as they are found.</summary>
    public const int MaxProblemsKept = 100;

    public static async Task<BatchJob> SubmitAsync(JobService service, IRecordSource records, RequestOptions options, JobDefinition definition, IEngineReporter reporter, CancellationToken cancellationToken)
    {
        if (service is null || records is null || options is null || definition is null)
        {
            throw new ArgumentNullException(service is null ? nameof(service) : records is null ? nameof(records) : options is null ? nameof(options) : nameof(definition));
        }

        reporter ??= NullReporter.Instance;
        var factory = Factory(records, options);
        using var draft = service.CreateDraft(definition, reporter);
        draft.IdField = options.IdColumn ?? draft.IdField;
        var problems = new RecordProblemTally(reporter);
        var activity = "Preparing job " + (definition.Name ?? draft.JobId);
        long read = 0;
        foreach (var chunk in EncodeAhead(records, options, factory, draft.CreateEncoder(), cancellationToken))
        {
            for (var i = 0; i < chunk.Count; i++)
            {
                if (++read % 10_000 == 0)
                {
                    reporter.Progress(new ProgressReport(activity, string.Format(CultureInfo.InvariantCulture, "{0:N0} records read", read), -1));
                }

                // Once any record is bad nothing will be sent, but the draft goes on checking (duplicate ids, sizes) so
                // that one pass reports every bad record; it is discarded at the end.
                foreach (var problem in draft.Place(chunk, i))
                {
                    problems.Add(problem);
                }
            }
        }

        reporter.Progress(new ProgressReport(activity, "Done", 100, completed: true));
        if (!definition.SkipInvalidRecords)
        {
            problems.ThrowIfAny();
        }

        if (problems.Count > 0)
        {
            reporter.Warning(string.Format(CultureInfo.InvariantCulture, "{0:N0} invalid record(s) left out, as asked; each is listed with its row, field and reason in the job's {1}.", problems.Count, SkippedLog.FileName));
        }

        return await service.SubmitAsync(draft, reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// How many encoded chunks may wait for placing: about 3 MB of lines. With three, the reading thread stood while
    /// the placing one caught up (after each of its waits for the file writer).
    /// </summary>
    internal const int ChunksInFlight = 8;

    /// <summary>
    /// Reads, builds and encodes the records on a thread of its own, a chunk at a time, while the caller places the
    /// chunk before (<see cref="JobDraft.Place"/>, the part that needs the draft's state: ids, parts, files). Only
    /// reused chunks of bytes pass between the threads, so no request outlives the thread that made it (handing
    /// built requests over instead, to share the encoding, cost more processor time in collections than it saved).
    /// The reading thread stays at most a few chunks ahead, so memory does not grow with the input. A failure while
    /// reading (an unreadable file) is thrown to the caller after the chunks read before it; when the caller stops
    /// (cancellation, an exception), the reading thread stops too before this returns.
    /// </summary>
    internal static IEnumerable<EncodedChunk> EncodeAhead(IRecordSource records, RequestOptions options, BatchRequestFactory factory, RequestEncoder encoder, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var full = new Handoff<EncodedChunk>(ChunksInFlight);
        var free = new Handoff<EncodedChunk>(ChunksInFlight + 1);
        for (var i = 0; i < ChunksInFlight + 1; i++)
        {
            free.Add(new EncodedChunk(), CancellationToken.None);
        }

        Exception? failure = null;
        var reader = new Thread(() =>
        {
            try
            {
                var chunk = free.Take(stop.Token)!;
                void Next()
                {
                    stop.Token.ThrowIfCancellationRequested();
                    if (chunk.IsFull)
                    {
                        full.Add(chunk, stop.Token);
                        chunk = free.Take(stop.Token)!;
                    }
                }

                if (records is CsvRecordSource csv && encoder.ForCsvRows(options, csv.Columns!) is { } rows)
                {
                    // A CSV file's rows go straight from their bytes into both lines (no strings, records or requests).
                    foreach (var problem in csv.ReadRows())
                    {
                        if (problem is not null)
                        {
                            chunk.AddProblems([problem]);
                        }
                        else
                        {
                            rows.Encode(csv, chunk);
                        }

                        Next();
                    }
                }
                else
                {
                    foreach (var item in records.Read())
                    {
                        if (item.Problem is { } readProblem)
                        {
                            chunk.AddProblems([readProblem]);
                        }
                        else if (factory.Build(item.Record!) is var built && built.Request is { } request)
                        {
                            encoder.Encode(request, chunk);
                        }
                        else
                        {
                            chunk.AddProblems(built.Problems);
                        }

                        Next();
                    }
                }

                full.Add(chunk, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The caller stopped reading.
            }
            catch (Exception error)
            {
                failure = error;
            }
            finally
            {
                full.CompleteAdding();
            }
        })
        { IsBackground = true, Name = "BatchAI record reader" };
        reader.Start();
        try
        {
            while (full.Take(cancellationToken) is { } chunk)
            {
                yield return chunk;
                chunk.Clear();
                free.Add(chunk, CancellationToken.None);
            }
        }
        finally
        {
            stop.Cancel();
            reader.Join();
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    /// <summary>The factory that makes the records' requests, once the input is known to have every column it needs.</summary>
    internal static BatchRequestFactory Factory(IRecordSource records, RequestOptions options)
    {
        var factory = new BatchRequestFactory(options, detectDuplicateIds: false);
        if (records.Columns is { } columns && factory.MissingColumns(columns) is { Count: > 0 } missing)
        {
            // A column every row lacks is one problem, not one per row.
            throw BatchAIException.InvalidInput("ColumnMissing", string.Format(CultureInfo.InvariantCulture, "The input has no column {0} (its columns: {1}).", string.Join(", ", missing.Select(m => "'" + m + "'")), columns));
        }

        return factory;
    }
}

/// <summary>
/// The bad records of one pass over an input: each reported as it is found, the first
/// <see cref="RecordSubmission.MaxProblemsKept"/> kept for the exception that refuses the input.
/// </summary>
internal sealed class RecordProblemTally(IEngineReporter reporter)
{
    private readonly List<RecordProblem> _kept = [];

    public long Count { get; private set; }

    public void Add(RecordProblem problem)
    {
        Count++;
        if (_kept.Count < RecordSubmission.MaxProblemsKept)
        {
            _kept.Add(problem);
        }

        reporter.Problem(problem);
    }

    public void ThrowIfAny()
    {
        if (Count > 0)
        {
            throw new InvalidRecordsException(_kept, Count);
        }
    }
}
