using System.Reflection;
using System.Runtime.InteropServices;

namespace BatchAI.Cmdlets.Tests;

/// <summary>
/// The cmdlet assembly as metadata only (MetadataLoadContext): attributes, parameters and types, read without running
/// PowerShell, which these machines do not have.
/// </summary>
internal sealed class CmdletMetadata : IDisposable
{
    private readonly MetadataLoadContext _context;

    private CmdletMetadata()
    {
        var here = AppContext.BaseDirectory;
        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat(Directory.GetFiles(here, "*.dll"))
            .GroupBy(Path.GetFileName)
            .Select(g => g.Last());
        _context = new MetadataLoadContext(new PathAssemblyResolver(paths));
        Cmdlets = _context.LoadFromAssemblyPath(Path.Combine(here, "BatchAI.Cmdlets.dll"));
        Engine = _context.LoadFromAssemblyPath(Path.Combine(here, "BatchAI.Engine.dll"));
        Automation = _context.LoadFromAssemblyPath(Path.Combine(here, "System.Management.Automation.dll"));
        CmdletTypes = Cmdlets.GetExportedTypes().Where(t => Attribute(t, "CmdletAttribute") is not null).OrderBy(t => t.Name).ToList();
    }

    public static CmdletMetadata Instance { get; } = new();

    public Assembly Cmdlets { get; }

    public Assembly Engine { get; }

    public Assembly Automation { get; }

    public IReadOnlyList<Type> CmdletTypes { get; }

    /// <summary>The approved verbs: the constants of System.Management.Automation's Verbs* classes.</summary>
    public IReadOnlySet<string> ApprovedVerbs => Automation.GetExportedTypes()
        .Where(t => t.Name.StartsWith("Verbs", StringComparison.Ordinal))
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    public static CustomAttributeData? Attribute(MemberInfo member, string name) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == name);

    public static IEnumerable<CustomAttributeData> Attributes(MemberInfo member, string name) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType.Name == name);

    public static T? Named<T>(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.Where(a => a.MemberName == name).Select(a => (T?)a.TypedValue.Value).FirstOrDefault();

    public static string CmdletName(Type type)
    {
        var cmdlet = Attribute(type, "CmdletAttribute")!;
        return (string)cmdlet.ConstructorArguments[0].Value! + "-" + (string)cmdlet.ConstructorArguments[1].Value!;
    }

    /// <summary>Every [Parameter] of a cmdlet, including those it inherits, with the parameter set each belongs to.</summary>
    public static IEnumerable<(PropertyInfo Property, CustomAttributeData Parameter)> Parameters(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(p => Attributes(p, "ParameterAttribute").Select(a => (p, a)));

    public static string SetOf(CustomAttributeData parameter) => Named<string>(parameter, "ParameterSetName") ?? AllSets;

    public const string AllSets = "__AllParameterSets";

    /// <summary>The types a cmdlet's [OutputType] attributes name, as .NET type names or PSTypeName strings.</summary>
    public static IEnumerable<string> OutputTypeNames(Type type) =>
        Attributes(type, "OutputTypeAttribute").SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IEnumerable<CustomAttributeTypedArgument> items ? items : [arg])
            .Select(arg => arg.Value is Type t ? t.FullName! : (string)arg.Value!);

    public void Dispose() => _context.Dispose();
}
