using BatchAI.Jobs;
using BatchAI.Providers;

namespace BatchAI.Engine.Tests.Jobs;

/// <summary>
/// The join walks the parts the download opens, record by record: each record gets its place in its part and where
/// its result starts, and a part's kept answers go back to the shared budget as soon as the join is past the part.
/// </summary>
public sealed class PartWalkTests
{
    [Fact]
    public void EachRecordGetsItsPlaceAndAPartsAnswersGoBackOnceTheJoinIsPastIt()
    {
        var budget = new AnswerBudget(2L * KeptAnswers.BlockSize);
        var gate = new PartGate();
        gate.Open(1, new DownloadedPart([10, -1], Kept(budget, "a", "b"))); // the second record has no line
        gate.Open(2, new DownloadedPart([30], Kept(budget, "c")));
        Assert.Equal(0, budget.Left); // a block each

        var handedOver = 0;
        using (var walk = new PartWalk(gate, () => handedOver++, CancellationToken.None))
        {
            Assert.Equal(0, walk.Next(1, out var start, out var answers));
            Assert.Equal(10, start);
            Assert.True(answers!.TryGet(0, out _));
            Assert.Equal(1, walk.Next(1, out start, out _)); // the part's last record: still the caller's to use
            Assert.Equal(-1, start);
            Assert.Equal(0, budget.Left);

            Assert.Equal(0, walk.Next(2, out start, out answers)); // past part 1
            Assert.Equal((30L, KeptAnswers.BlockSize), (start, budget.Left));
            Assert.True(answers!.TryGet(0, out _));
        }

        Assert.Equal(2L * KeptAnswers.BlockSize, budget.Left); // the rest when the walk ends
        Assert.Equal(0, handedOver); // every part was open: nothing waited
    }

    [Fact]
    public void AJoinThatStopsEarlyGivesEveryPartsAnswersBack()
    {
        var budget = new AnswerBudget(KeptAnswers.BlockSize);
        var gate = new PartGate();
        gate.Open(1, new DownloadedPart([10, 20, 30], Kept(budget, "a", "b", "c")));

        using (var walk = new PartWalk(gate, () => { }, CancellationToken.None))
        {
            walk.Next(1, out _, out _);
            Assert.Equal(0, budget.Left);
        }

        Assert.Equal(KeptAnswers.BlockSize, budget.Left);
    }

    [Fact]
    public void APartNotYetOpenIsWaitedForAfterTheRecordsBeforeAreHandedOver()
    {
        var gate = new PartGate();
        var handedOver = 0;
        using var walk = new PartWalk(gate, () => { handedOver++; gate.Open(3, new DownloadedPart([7], null)); }, CancellationToken.None);

        Assert.Equal((0, 7L), (walk.Next(3, out var start, out var answers), start));
        Assert.Null(answers);
        Assert.Equal(1, handedOver);
        Assert.Equal((-1, -1L), (walk.Next(3, out start, out _), start)); // more records than the part listed: none
        gate.Close(failed: false);
        Assert.Equal((-1, -1L), (walk.Next(4, out start, out _), start)); // a part the download ended without
    }

    private static KeptAnswers Kept(AnswerBudget budget, params string[] ids)
    {
        var answers = new KeptAnswers(ids.Length, budget);
        for (var i = 0; i < ids.Length; i++)
        {
            answers.Keep(i, new ResultLine { CustomId = ids[i], Status = ResultStatus.Succeeded, Text = "answer " + i, InputTokens = 1, OutputTokens = 2 });
        }

        return answers;
    }
}
