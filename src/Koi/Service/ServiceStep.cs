namespace Koi.Service;

/// <summary>
/// One thing <c>koi install</c> or <c>koi uninstall</c> does. Steps are planned before anything runs, so
/// <c>--dry-run</c> prints exactly the list a real run would carry out.
/// </summary>
internal sealed record ServiceStep(string Description, Func<CancellationToken, Task> RunAsync);
