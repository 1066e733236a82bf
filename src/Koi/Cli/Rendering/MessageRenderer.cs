using Koi.Core.Ceremony;
using Spectre.Console;

namespace Koi.Cli.Rendering;

internal static class MessageRenderer
{
    public static void Render(IAnsiConsole console, IReadOnlyList<CeremonyMessage> messages)
    {
        foreach (var message in messages)
        {
            switch (message.Kind)
            {
                case MessageKind.Info:
                    console.MarkupLine($"[bold]{TerminalText.Markup(message.Title)}[/]: {TerminalText.Markup(message.Content)}");
                    break;
                case MessageKind.Error:
                    console.MarkupLine($"[red]✗ {TerminalText.Markup(message.Title)}: {TerminalText.Markup(message.Content)}[/]");
                    break;
                case MessageKind.Summary:
                    console.Write(new Panel(TerminalText.Markup(message.Content)).Header(TerminalText.Markup(message.Title)).Border(BoxBorder.Rounded));
                    break;
                case MessageKind.QrCode:
                    console.MarkupLine($"[bold]{TerminalText.Markup(message.Title)}[/]");
                    console.WriteLine(QrText.Render(message.Content));
                    console.MarkupLine($"[dim]{TerminalText.Markup(message.Content)}[/]");
                    break;
            }
        }
    }
}
