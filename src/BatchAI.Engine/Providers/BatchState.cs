namespace BatchAI.Providers;

/// <summary>Where one provider batch of a job stands, in the same words for every provider.</summary>
public enum BatchState
{
    /// <summary>Prepared in the ledger, not yet sent to the provider.</summary>
    Pending,

    /// <summary>The provider is checking the input.</summary>
    Validating,

    /// <summary>The provider is running the requests.</summary>
    Running,

    /// <summary>The requests have run; the provider is preparing the results.</summary>
    Finalizing,

    /// <summary>A cancel was requested and is taking effect.</summary>
    Canceling,

    /// <summary>Finished: every request ran (each succeeded or failed on its own).</summary>
    Completed,

    /// <summary>Finished: the completion window ended first; the requests not run by then are expired.</summary>
    Expired,

    /// <summary>Finished: canceled; the requests not run by then are canceled.</summary>
    Canceled,

    /// <summary>Finished: the provider rejected the batch as a whole (for example its input file); no request ran.</summary>
    Failed,
}

public static class BatchStates
{
    public static bool IsFinal(this BatchState state) => state is BatchState.Completed or BatchState.Expired or BatchState.Canceled or BatchState.Failed;
}

/// <summary>How one request ended.</summary>
public enum ResultStatus
{
    Succeeded,
    Failed,
    Expired,
    Canceled,
}
