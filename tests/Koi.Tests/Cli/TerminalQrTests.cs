using System.Diagnostics;
using System.Text;

namespace Koi.Tests.Cli;

/// <summary>
/// The QR code koi draws in the terminal (Unicode half blocks) is read back by a real decoder, zbarimg, after
/// turning the printed characters into pixels exactly as a dark terminal shows them.
/// </summary>
public sealed class TerminalQrTests
{
    private static readonly string Koi = KoiProcess.BuiltBinary;

    [Fact]
    public async Task RotateTotp_TerminalQr_DecodesToThePrintedOtpauthUri()
    {
        await using var daemon = await LocalDaemon.StartAsync(Koi, env: new Dictionary<string, string?> { ["KOI_HOSTNAME"] = "qr-host" });
        var create = await KoiProcess.RunAsync(Koi, ["certmesh", "create", "--profile", "just-me", "--passphrase", "terminal qr test passphrase", "--json", "--data-dir", daemon.DataDir]);
        Assert.True(create.ExitCode == 0, create.Stderr);

        var rotate = await KoiProcess.RunAsync(Koi, ["certmesh", "rotate-totp", "--data-dir", daemon.DataDir]);

        Assert.True(rotate.ExitCode == 0, rotate.Stderr);
        var lines = rotate.Stdout.Split('\n');
        var uri = lines.Single(l => l.StartsWith("otpauth://", StringComparison.Ordinal)).Trim();
        var qr = lines.Where(l => l.Length > 0 && l.All(c => c is ' ' or '▀' or '▄' or '█')).ToList();
        Assert.True(qr.Count > 10, rotate.Stdout);
        using var image = new TempDirectory();
        var path = Path.Combine(image.Path, "qr.pgm");
        await File.WriteAllBytesAsync(path, ToPgm(qr), TestContext.Current.CancellationToken);

        Assert.Equal(uri, await ZbarAsync(path));
    }

    /// <summary>
    /// A dark terminal draws glyphs light on dark: a full block is two light modules, a space two dark ones,
    /// an upper half block a light top over a dark bottom. Each module becomes 4×4 pixels.
    /// </summary>
    private static byte[] ToPgm(IReadOnlyList<string> rows)
    {
        const int scale = 4;
        const int border = 8;
        var width = rows.Max(r => r.Length);
        var modules = new List<bool[]>();
        foreach (var row in rows)
        {
            var top = new bool[width];
            var bottom = new bool[width];
            for (var i = 0; i < row.Length; i++)
            {
                top[i] = row[i] is ' ' or '▄';
                bottom[i] = row[i] is ' ' or '▀';
            }

            modules.Add(top);
            modules.Add(bottom);
        }

        var pixelsWide = (width * scale) + (2 * border);
        var pixelsHigh = (modules.Count * scale) + (2 * border);
        var header = Encoding.ASCII.GetBytes($"P5\n{pixelsWide} {pixelsHigh}\n255\n");
        var pixels = new byte[pixelsWide * pixelsHigh];
        Array.Fill(pixels, (byte)255);
        for (var y = 0; y < modules.Count * scale; y++)
        {
            for (var x = 0; x < width * scale; x++)
            {
                if (modules[y / scale][x / scale])
                {
                    pixels[((y + border) * pixelsWide) + x + border] = 0;
                }
            }
        }

        return [.. header, .. pixels];
    }

    private static async Task<string> ZbarAsync(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("zbarimg", ["--quiet", "--raw", path]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"zbarimg exited {process.ExitCode}: {stderr}");
        return stdout.Trim();
    }
}
