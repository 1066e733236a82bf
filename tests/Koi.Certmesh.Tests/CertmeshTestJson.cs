using System.Text.Json;
using Koi.Core;
using Koi.Core.Storage;

namespace Koi.Certmesh.Tests;

/// <summary>koi's JSON convention over certmesh's and Koi.Core's contexts, as a client of the API reads it.</summary>
internal static class CertmeshTestJson
{
    public static JsonSerializerOptions Options { get; } = KoiJson.Create([CertmeshJsonContext.Default, CoreJsonContext.Default]);
}
