using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Requests;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Makes one batch request from each object on the pipeline (a CSV row, a hashtable, any object).</para>
/// <para type="description">The prompt comes from a template with {Property} placeholders or from a named property.
/// Each request keeps its source object so results can be joined back to it. Invalid objects get a non-terminating
/// error naming the row and field, and no request.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "BatchRequest", DefaultParameterSetName = TemplateSet)]
[OutputType(typeof(BatchRequest))]
public sealed class NewBatchRequestCommand : PSCmdlet
{
    private const string TemplateSet = "Template";
    private const string ColumnSet = "Column";
    private BatchRequestFactory? _factory;
    private long _row;

    /// <summary>The record: a row from Import-Csv, a hashtable, or any object.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public PSObject InputObject { get; set; } = null!;

    /// <summary>The prompt, with {Property} placeholders; {{ and }} are literal braces.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = TemplateSet)]
    [ValidateNotNullOrEmpty]
    public string Prompt { get; set; } = string.Empty;

    /// <summary>The property that holds the whole prompt.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ColumnSet)]
    [Alias("PromptProperty")]
    [ValidateNotNullOrEmpty]
    public string PromptColumn { get; set; } = string.Empty;

    /// <summary>The model, e.g. gpt-4o-mini or claude-haiku-4-5; for Azure OpenAI the name of a Global Batch deployment.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModelCompleter))]
    public string Model { get; set; } = string.Empty;

    /// <summary>System instructions sent with every request.</summary>
    [Parameter]
    [Alias("System")]
    public string? SystemPrompt { get; set; }

    /// <summary>The property with each record's custom id (1-64 of A-Z a-z 0-9 _ -); default: row-&lt;n&gt;.</summary>
    [Parameter]
    [Alias("IdProperty")]
    public string? IdColumn { get; set; }

    /// <summary>The most output tokens per answer.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? MaxTokens { get; set; }

    /// <summary>Sampling temperature, 0 to 2.</summary>
    [Parameter]
    [ValidateRange(0.0, 2.0)]
    public double? Temperature { get; set; }

    /// <summary>A JSON Schema, as JSON text, that answers must follow.</summary>
    [Parameter]
    public string? Schema { get; set; }

    /// <summary>A file holding the JSON Schema that answers must follow.</summary>
    [Parameter]
    public string? SchemaPath { get; set; }

    protected override void BeginProcessing()
    {
        try
        {
            var options = new RequestOptions
            {
                Prompt = ParameterSetName == TemplateSet ? PromptTemplate.Parse(Prompt) : null,
                PromptColumn = ParameterSetName == ColumnSet ? PromptColumn : null,
                Model = Model,
                SystemPrompt = SystemPrompt,
                IdColumn = IdColumn,
                MaxOutputTokens = MaxTokens,
                Temperature = Temperature,
                Schema = LoadSchema(),
            };
            _factory = new BatchRequestFactory(options);
        }
        catch (BatchAIException error)
        {
            ThrowTerminatingError(ErrorRecords.From(error, null));
        }
    }

    protected override void ProcessRecord()
    {
        var record = SourceRecord.FromPairs(++_row, PSObjects.Pairs(InputObject));
        var built = _factory!.Build(record);
        foreach (var problem in built.Problems)
        {
            WriteError(ErrorRecords.From(problem, InputObject));
        }

        if (built.Request is { } request)
        {
            WriteObject(request);
        }
    }

    private ResponseSchema? LoadSchema()
    {
        if (Schema is not null && SchemaPath is not null)
        {
            throw BatchAIException.InvalidInput("SchemaAmbiguous", "Give -Schema or -SchemaPath, not both.");
        }

        if (SchemaPath is null)
        {
            return Schema is null ? null : ResponseSchema.Parse(Schema);
        }

        return ResponseSchema.FromFile(SessionState.Path.GetUnresolvedProviderPathFromPSPath(SchemaPath));
    }
}
