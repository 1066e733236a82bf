using Microsoft.AspNetCore.Builder;

namespace Koi.Core.Hosting;

/// <summary>
/// How koi builds an ASP.NET Core host (the daemon's API, the certmesh mesh plane). koi's settings come from
/// <c>config.yaml</c> in the data dir (docs/data-layout.md), not from <c>appsettings.json</c>, so the host is kept
/// from two defaults:
/// <list type="bullet">
/// <item>watching its content root for <c>appsettings.json</c> changes — a recursive file-system watch of the working
/// directory (under systemd that is <c>/</c>), which costs an inotify instance and one watch per directory beneath,
/// and makes start-up fail outright when the user's inotify instances are used up;</item>
/// <item>reading <c>appsettings.json</c> from whatever directory the daemon was started in.</item>
/// </list>
/// The content root is the binary's own directory instead, and the configuration is loaded once.
/// </summary>
public static class KoiWebHost
{
    public static WebApplicationBuilder CreateSlimBuilder() =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
}
