using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using BatchAI.Requests;

namespace BatchAI.Engine.Tests;

/// <summary>
/// The engine is one netstandard2.0 binary, compiled against the netstandard2.0 build of each package, but .NET 10
/// hosts (the CLI, these tests, PowerShell 7) may load a package's net10.0 build instead. CsvHelper 34's two builds
/// differ (init-only setters mark IsExternalInit from different assemblies; WriteHeader's parameter type), and a call
/// that does not bind fails only at run time, with MissingMethodException. This test reads every member the engine
/// references from the engine's metadata and checks that it binds, modifiers and all, in the assembly a .NET 10 host
/// loads (the one copied beside this test).
/// </summary>
public class BindingCompatibilityTests
{
    private static readonly string[] CheckedAssemblies = ["CsvHelper"];

    [Fact]
    public void EveryPackageMemberTheEngineCallsBindsInTheBuildNet10Loads()
    {
        var engine = typeof(RecordFiles).Assembly.Location;
        var unbound = new List<string>();
        foreach (var assembly in CheckedAssemblies)
        {
            var available = MethodSignatures(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
            unbound.AddRange(ReferencedMembers(engine, assembly).Where(m => !available.Contains(m)));
        }

        Assert.True(unbound.Count == 0, "Referenced by the engine but missing from the net10 build:\n" + string.Join("\n", unbound));
    }

    [Fact]
    public void TheCheckSeesTheMembersTheEngineUses()
    {
        var referenced = ReferencedMembers(typeof(RecordFiles).Assembly.Location, "CsvHelper");

        Assert.Contains(referenced, m => m.StartsWith("CsvHelper.CsvReader::Create(", StringComparison.Ordinal));
        Assert.Contains(referenced, m => m.StartsWith("CsvHelper.CsvReader::Read(", StringComparison.Ordinal));
    }

    /// <summary>"Namespace.Type::Member(signature)" for each member reference into <paramref name="target"/>.</summary>
    private static HashSet<string> ReferencedMembers(string path, string target)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var reader = pe.GetMetadataReader();
        var members = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in reader.MemberReferences)
        {
            var member = reader.GetMemberReference(handle);
            if (member.Parent.Kind != HandleKind.TypeReference)
            {
                continue;
            }

            var type = reader.GetTypeReference((TypeReferenceHandle)member.Parent);
            if (type.ResolutionScope.Kind != HandleKind.AssemblyReference
                || reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)type.ResolutionScope).Name) != target
                || member.GetKind() != MemberReferenceKind.Method)
            {
                continue;
            }

            var signature = member.DecodeMethodSignature(new SignatureNames(), null);
            members.Add(Format(reader.GetString(type.Namespace) + "." + reader.GetString(type.Name), reader.GetString(member.Name), signature));
        }

        return members;
    }

    private static HashSet<string> MethodSignatures(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var reader = pe.GetMetadataReader();
        var methods = new HashSet<string>(StringComparer.Ordinal);
        foreach (var typeHandle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(typeHandle);
            var name = reader.GetString(type.Namespace) + "." + reader.GetString(type.Name);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                methods.Add(Format(name, reader.GetString(method.Name), method.DecodeSignature(new SignatureNames(), null)));
            }
        }

        return methods;
    }

    private static string Format(string type, string name, MethodSignature<string> signature) =>
        $"{type}::{name}({string.Join(", ", signature.ParameterTypes)}) -> {signature.ReturnType}";

    /// <summary>Renders types by full name; a modifier also names the assembly its type comes from, as binding does.</summary>
    private sealed class SignatureNames : ISignatureTypeProvider<string, object?>
    {
        public string GetTypeFromReference(MetadataReader r, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var type = r.GetTypeReference(handle);
            var scope = type.ResolutionScope.Kind == HandleKind.AssemblyReference
                ? r.GetString(r.GetAssemblyReference((AssemblyReferenceHandle)type.ResolutionScope).Name)
                : r.GetString(r.GetAssemblyDefinition().Name);
            return r.GetString(type.Namespace) + "." + r.GetString(type.Name) + "@" + Normalize(scope);
        }

        public string GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var type = r.GetTypeDefinition(handle);
            var prefix = type.GetDeclaringType().IsNil ? r.GetString(type.Namespace) + "." : GetTypeFromDefinition(r, type.GetDeclaringType(), rawTypeKind).Split('@')[0] + "+";
            return prefix + r.GetString(type.Name) + "@" + r.GetString(r.GetAssemblyDefinition().Name);
        }

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) =>
            isRequired ? unmodifiedType + " modreq(" + modifier + ")" : unmodifiedType;

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetPinnedType(string elementType) => elementType;

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType + "<" + string.Join(",", typeArguments) + ">";

        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;

        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;

        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";

        public string GetTypeFromSpecification(MetadataReader r, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            r.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        // Framework types are found through facades (netstandard, System.Runtime, System.Memory, CoreLib); only
        // where a type comes from outside the framework (the package's own polyfills) changes how a call binds.
        private static string Normalize(string assembly) =>
            assembly is "netstandard" or "System.Runtime" or "System.Private.CoreLib" or "mscorlib" or "System.Memory" or "System.Collections" ? "framework" : assembly;
    }
}
