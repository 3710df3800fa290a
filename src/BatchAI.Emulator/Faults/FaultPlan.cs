using System.Security.Cryptography;
using System.Text;

namespace BatchAI.Emulator.Faults;

/// <summary>What an API call meets instead of its answer.</summary>
internal enum CallFault
{
    /// <summary>429 with Retry-After, in the provider's words.</summary>
    RateLimited,

    /// <summary>500, in the provider's words.</summary>
    ServerError,

    /// <summary>503 (Anthropic: 529 overloaded), in the provider's words.</summary>
    Unavailable,

    /// <summary>The connection closes before any answer.</summary>
    Dropped,
}

/// <summary>What happens to one request inside a batch.</summary>
internal enum RequestFate
{
    /// <summary>The model answers it (or rejects it for what it is).</summary>
    Runs,

    /// <summary>The batch ends (expires) before the request runs.</summary>
    Unprocessed,

    /// <summary>It ends errored with a server-side error worth retrying.</summary>
    RetryableError,

    /// <summary>It ends errored as invalid; the same request fails the same way every time.</summary>
    PermanentError,
}

/// <summary>
/// The faults <see cref="EmulatorOptions.FaultRate"/>, <see cref="EmulatorOptions.ErrorRate"/> and
/// <see cref="EmulatorOptions.ExpireRate"/> ask for. API-call faults are drawn in sequence from a generator seeded with
/// <see cref="EmulatorOptions.Seed"/>; per-request fates are a hash of the seed, the batch's sequence number in the
/// emulator's state and the custom id, so the same calls against a fresh emulator meet the same faults every run.
/// A quarter of the request errors are permanent (they follow the custom id into every later batch); the rest are
/// drawn again in each batch, so a resubmitted request can succeed.
/// </summary>
internal sealed class FaultPlan
{
    private const double PermanentShare = 0.25;
    private readonly EmulatorOptions _options;
    private readonly Random _calls;
    private readonly object _gate = new();
    private readonly string _seed;

    public FaultPlan(EmulatorOptions options)
    {
        _options = options;
        var seed = options.Seed ?? RandomSeed();
        _seed = seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _calls = new Random(seed);
    }

    public bool InjectsRequestFaults => _options.ErrorRate > 0 || _options.ExpireRate > 0;

    /// <summary>The fault the next API call meets, if any.</summary>
    public CallFault? NextCall()
    {
        if (_options.FaultRate <= 0)
        {
            return null;
        }

        lock (_gate)
        {
            if (_calls.NextDouble() >= _options.FaultRate)
            {
                return null;
            }

            var kind = _calls.NextDouble();
            return kind < 0.4 ? CallFault.RateLimited : kind < 0.6 ? CallFault.ServerError : kind < 0.8 ? CallFault.Unavailable : CallFault.Dropped;
        }
    }

    /// <summary>What happens to request <paramref name="customId"/> in the batch known by <paramref name="batchKey"/>.</summary>
    /// <param name="perRequestExpiry">False for providers that expire whole batches (see <see cref="BatchExpires"/>).</param>
    public RequestFate Fate(string batchKey, string customId, bool perRequestExpiry = true)
    {
        if (perRequestExpiry && _options.ExpireRate > 0 && Roll("expire", batchKey, customId) < _options.ExpireRate)
        {
            return RequestFate.Unprocessed;
        }

        if (_options.ErrorRate > 0)
        {
            if (Roll("invalid", customId) < _options.ErrorRate * PermanentShare)
            {
                return RequestFate.PermanentError;
            }

            if (Roll("error", batchKey, customId) < _options.ErrorRate * (1 - PermanentShare))
            {
                return RequestFate.RetryableError;
            }
        }

        return RequestFate.Runs;
    }

    /// <summary>For providers that expire whole batches (Gemini): whether this one expires with nothing returned.</summary>
    public bool BatchExpires(string batchKey) => _options.ExpireRate > 0 && Roll("expire", batchKey) < _options.ExpireRate;

    /// <summary>A uniform draw in [0, 1) from the seed and the parts: the same on every platform and run.</summary>
    private double Roll(params string[] parts)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(_seed + "\u001f" + string.Join("\u001f", parts)));
        var value = BitConverter.ToUInt64(hash, 0) >> 11; // 53 bits, exactly representable as a double
        return value / (double)(1UL << 53);
    }

    private static int RandomSeed()
    {
        var bytes = new byte[4];
        using (var random = RandomNumberGenerator.Create())
        {
            random.GetBytes(bytes);
        }

        return BitConverter.ToInt32(bytes, 0) & int.MaxValue;
    }
}
