using BatchAI.Requests;
using BenchmarkDotNet.Attributes;

namespace BatchAI.Benchmarks;

/// <summary>
/// The custom-id index at a million ids, as a receive uses it: every result's id noted as it is downloaded (in the
/// provider's order), then every record's id looked up in input order. At this size each lookup misses the
/// processor's caches; what is measured is how many times.
/// </summary>
[MemoryDiagnoser]
public class IdIndexBenchmarks
{
    private string[] _inputOrder = [];
    private string[] _providerOrder = [];

    [Params(1_000_000)]
    public int Ids { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _inputOrder = Enumerable.Range(1, Ids).Select(i => $"T-{i:0000000}").ToArray();
        _providerOrder = (string[])_inputOrder.Clone();
        new Random(42).Shuffle(_providerOrder);
    }

    [Benchmark]
    public long NoteThenLookUp() => NoteThenLookUp(new CustomIdMap());

    [Benchmark]
    public long NoteThenLookUpSizedBeforehand() => NoteThenLookUp(new CustomIdMap(Ids));

    private long NoteThenLookUp(CustomIdMap map)
    {
        for (var i = 0; i < _providerOrder.Length; i++)
        {
            map.Set(_providerOrder[i], i);
        }

        long sum = 0;
        foreach (var id in _inputOrder)
        {
            sum += map.TryGetValue(id, out var value) ? value : -1;
        }

        return sum;
    }
}
