using BatchAI.Hosting;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests;

public class PipelineBridgeTests
{
    [Fact]
    public void MessagesAreHandledInOrderOnTheCallingThread()
    {
        var caller = Environment.CurrentManagedThreadId;
        var handled = new List<(BridgeMessageKind Kind, object Payload, int Thread)>();
        int? workThread = null;
        using var bridge = new PipelineBridge();

        var result = bridge.Run(
            async b =>
            {
                await Task.Yield();
                workThread = Environment.CurrentManagedThreadId;
                b.Verbose("v");
                b.Output(1);
                b.Warning("w");
                b.Progress(new ProgressReport("a", "s", 50));
                b.Problem(new RecordProblem(3, null, "f", "Id", "bad"));
                b.Output(2);
                return "done";
            },
            m => handled.Add((m.Kind, m.Payload, Environment.CurrentManagedThreadId)));

        Assert.Equal("done", result);
        Assert.Equal(
            [BridgeMessageKind.Verbose, BridgeMessageKind.Output, BridgeMessageKind.Warning, BridgeMessageKind.Progress, BridgeMessageKind.Problem, BridgeMessageKind.Output],
            handled.Select(h => h.Kind));
        Assert.All(handled, h => Assert.Equal(caller, h.Thread));
        Assert.NotEqual(caller, workThread);
    }

    [Fact]
    public void TheWorksExceptionComesBackAfterItsMessages()
    {
        var handled = new List<object>();
        using var bridge = new PipelineBridge();

        var error = Assert.Throws<BatchAIException>(() => bridge.Run<int>(
            b =>
            {
                b.Output("before");
                throw BatchAIException.InvalidInput("Nope", "no");
            },
            m => handled.Add(m.Payload)));

        Assert.Equal("Nope", error.ErrorId);
        Assert.Equal(["before"], handled);
    }

    [Fact]
    public void CancellationReachesTheWork()
    {
        using var cancel = new CancellationTokenSource();
        using var bridge = new PipelineBridge();

        Assert.ThrowsAny<OperationCanceledException>(() => bridge.Run(
            async b =>
            {
                b.Output("started");
                await Task.Delay(Timeout.Infinite, cancel.Token);
                return 0;
            },
            _ => cancel.Cancel()));
    }
}
