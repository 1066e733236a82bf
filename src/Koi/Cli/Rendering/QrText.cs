using System.Text;
using QRCoder;

namespace Koi.Cli.Rendering;

/// <summary>Draws a QR code with Unicode half blocks: two modules per character row, readable by phone cameras.</summary>
internal static class QrText
{
    public static string Render(string payload)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(payload, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix;
        var size = matrix.Count;
        var text = new StringBuilder();
        for (var row = 0; row < size; row += 2)
        {
            for (var column = 0; column < size; column++)
            {
                var top = matrix[row][column];
                var bottom = row + 1 < size && matrix[row + 1][column];
                // Dark modules print as spaces so the code reads on a dark terminal background.
                text.Append((top, bottom) switch
                {
                    (true, true) => ' ',
                    (true, false) => '▄',
                    (false, true) => '▀',
                    _ => '█',
                });
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
