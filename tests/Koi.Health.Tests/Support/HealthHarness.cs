using Koi.Core.Events;
using Koi.Core.Health;
using Koi.Core.Naming;
using Koi.Core.Status;
using Koi.Health.Checks;
using Koi.Health.Monitoring;
using Koi.Health.Probes;
using Koi.Health.State;
using Koi.Health.Transitions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Koi.Health.Tests.Support;

/// <summary>The health capability's pieces on a manual clock, a private data dir and fakes for mDNS, probes and the proxy's facts.</summary>
internal sealed class HealthHarness : IAsyncDisposable
{
    private readonly bool _ownsDir;

    public HealthHarness(
        HealthOptions? options = null,
        TempDirectory? dir = null,
        ManualTimeProvider? time = null,
        ICheckProbe? probe = null,
        IMemberDirectory? members = null,
        Func<double>? random = null)
    {
        _ownsDir = dir is null;
        Dir = dir ?? new TempDirectory();
        Time = time ?? new ManualTimeProvider();
        Options = options ?? new HealthOptions();
        Probe = new FakeProbe(Time);
        Bus = new EventBus(Time);
        Status = new StatusRegistry(Time);
        Store = new HealthStateStore(Dir.Combine("state", "health.json"));
        Log = new TransitionLog(Dir.Combine("logs", "health.log"));
        Monitor = new HealthMonitor(Store, Log, Bus, Options, Time, NullLogger.Instance);
        ChecksHealth = Status.Register("health", "checks");
        Scheduler = new CheckScheduler(probe ?? Probe, Monitor, Options, Time, random ?? (() => 0.5), ChecksHealth, NullLogger.Instance);
        Watcher = new MachineWatcher(Directory, members ?? new FakeMemberDirectory(), Monitor, Options, Time, Status.Register("health", "machines"), NullLogger.Instance, Directory);
        ProxyWatcher = new ProxyWatcher(Proxies, Monitor, Options, Time, Status.Register("health", "proxies"), NullLogger.Instance);
        Service = new HealthService(Monitor, Scheduler, Watcher, ProxyWatcher, new EmptyCertificateFacts(), new EmptyNameResolutionFacts(), ChecksHealth, Time);
    }

    public TempDirectory Dir { get; }

    public ManualTimeProvider Time { get; }

    public HealthOptions Options { get; }

    public FakeProbe Probe { get; }

    public FakeServiceDirectory Directory { get; } = new();

    public FakeProxyFacts Proxies { get; } = new();

    public EventBus Bus { get; }

    public StatusRegistry Status { get; }

    public ComponentHealth ChecksHealth { get; }

    public HealthStateStore Store { get; }

    public TransitionLog Log { get; }

    public HealthMonitor Monitor { get; }

    public CheckScheduler Scheduler { get; }

    public MachineWatcher Watcher { get; }

    public ProxyWatcher ProxyWatcher { get; }

    public HealthService Service { get; }

    public string LogPath => Log.Path;

    public string[] LogLines() => File.Exists(LogPath) ? File.ReadAllLines(LogPath) : [];

    public static CheckDefinition Http(string name, DateTimeOffset at, double interval = 30, double timeout = 5) =>
        new(name, CheckKind.Http, $"http://127.0.0.1:9/{name}", interval, timeout, at);

    public CheckDefinition AddHttp(string name, double interval = 30, double timeout = 5)
    {
        var check = Http(name, Time.GetUtcNow(), interval, timeout);
        Monitor.Add(check);
        return check;
    }

    public ValueTask DisposeAsync() => DisposeCoreAsync();

    private async ValueTask DisposeCoreAsync()
    {
        await Service.DisposeAsync();
        if (_ownsDir)
        {
            Dir.Dispose();
        }
    }
}
