using System.Net;
using BatchAI.Emulator;
using BatchAI.Engine.Tests.Support;
using BatchAI.Jobs;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>A retried request reaches the in-process emulator whole, upload bodies included.</summary>
public sealed class RetryThroughEmulatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task AnUploadRetriedAfterA503ArrivesWhole()
    {
        using var emulator = new ProviderEmulator(new EmulatorOptions { StateDirectory = _dir.File("emulator"), ProcessingTime = TimeSpan.Zero });
        var flaky = new FailFirstAttempt(emulator);
        using var service = new JobService(new JobServiceOptions { Store = _dir.File("store"), NetworkHandler = flaky, Clock = new VirtualClock(), Random = () => 0.5 });
        var definition = new JobDefinition { Connection = new ProviderConnection { BaseUrl = "http://127.0.0.1:9/v1" } };

        BatchJob job;
        using (var draft = service.CreateDraft(definition, Hosting.NullReporter.Instance))
        {
            draft.Add(EngineHarness.Request(1));
            draft.Add(EngineHarness.Request(2));
            job = await service.SubmitAsync(draft, Hosting.NullReporter.Instance, CancellationToken.None);
        }

        var results = new List<BatchResult>();
        await service.ReceiveAsync(job.Id, results.Add, null, Hosting.NullReporter.Instance, CancellationToken.None);

        Assert.True(flaky.Failed > 0, string.Join("; ", results.Select(r => r.Error)));
        Assert.Equal(["row-1", "row-2"], results.Select(r => r.CustomId));
        Assert.All(results, r => Assert.True(r.Status == ResultStatus.Succeeded, r.Error));
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Reads each request's body, as a server would, then answers the first attempt of each call with 503.</summary>
    private sealed class FailFirstAttempt(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly HashSet<string> _seen = [];

        public int Failed { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = request.Method + " " + request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Post && _seen.Add(call))
            {
                if (request.Content is not null)
                {
                    await (await request.Content.ReadAsStreamAsync(cancellationToken)).CopyToAsync(Stream.Null, cancellationToken);
                }

                Failed++;
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
