using System.Security.Cryptography.X509Certificates;
using Koi.Core.Health;

namespace Koi.Health.Tests.Support;

internal sealed class StaticTrustAnchors(params X509Certificate2[] anchors) : IMeshTrustAnchors
{
    public IReadOnlyList<X509Certificate2> Current() => anchors;
}
