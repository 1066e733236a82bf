using QRCoder;

namespace Koi.Certmesh.Authority;

/// <summary>The otpauth URI as a PNG data URI, for JSON clients that show an image instead of terminal blocks.</summary>
internal static class TotpQr
{
    public static string PngDataUri(string payload)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(payload, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(6);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }
}
