using System.Xml.Linq;

namespace Koi.Tests.Architecture;

/// <summary>Capabilities meet only through Koi.Core interfaces wired in src/Koi; a direct reference breaks that.</summary>
public sealed class ProjectReferenceTests
{
    // Shared libraries any capability may use; everything else under src/ except the executable is a capability.
    private static readonly HashSet<string> Shared = new(StringComparer.Ordinal) { "Koi.Core", "Koi.Dns.Protocol" };

    public static TheoryData<string> SourceProjects()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(RepoPaths.Combine("src")).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (name != "Koi")
            {
                // The executable is the composition root; it is the one project that references every capability.
                data.Add(name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Project_References_OnlySharedLibraries(string project)
    {
        var references = References(project);

        Assert.All(references, reference => Assert.Contains(reference, Shared));
    }

    [Fact]
    public void SharedLibraries_ReferenceNoCapability()
    {
        Assert.Empty(References("Koi.Dns.Protocol"));
        Assert.DoesNotContain(References("Koi.Core"), r => r != "Koi.Core");
    }

    [Fact]
    public void Checker_SeesReferences()
    {
        // Guards the test itself: if parsing found nothing anywhere, the theory above would pass vacuously.
        Assert.Contains("Koi.Core", References("Koi"));
    }

    private static List<string> References(string project)
    {
        var csproj = XDocument.Load(RepoPaths.Combine("src", project, project + ".csproj"));
        return csproj.Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();
    }
}
