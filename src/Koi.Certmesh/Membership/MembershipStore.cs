using Koi.Core.Storage;

namespace Koi.Certmesh.Membership;

/// <summary>The one writer of <c>membership.json</c>; readers see the last saved document.</summary>
internal sealed class MembershipStore(string path)
{
    private readonly JsonStateFile<MembershipDocument> _file = new(path, CertmeshJsonContext.Default.MembershipDocument);
    private readonly Lock _gate = new();
    private MembershipDocument? _current;
    private bool _loaded;

    public string Path => _file.Path;

    public MembershipDocument? Current
    {
        get
        {
            lock (_gate)
            {
                if (!_loaded)
                {
                    _current = _file.Load();
                    _loaded = true;
                }

                return _current;
            }
        }
    }

    public void Save(MembershipDocument document)
    {
        lock (_gate)
        {
            _file.Save(document);
            _current = document;
            _loaded = true;
        }
    }

    /// <summary>Applies <paramref name="change"/> to the saved document, if there is one; null otherwise.</summary>
    public MembershipDocument? Update(Func<MembershipDocument, MembershipDocument> change)
    {
        lock (_gate)
        {
            var current = Current;
            if (current is null)
            {
                return null;
            }

            var next = change(current);
            _file.Save(next);
            _current = next;
            return next;
        }
    }
}
