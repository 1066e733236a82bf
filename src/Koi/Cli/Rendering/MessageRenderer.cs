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
                    console.MarkupLine($"[bold]{Markup.Escape(message.Title)}[/]: {Markup.Escape(message.Content)}");
                    break;
                case MessageKind.Error:
                    console.MarkupLine($"[red]✗ {Markup.Escape(message.Title)}: {Markup.Escape(message.Content)}[/]");
                    break;
                case MessageKind.Summary:
                    console.Write(new Panel(Markup.Escape(message.Content)).Header(Markup.Escape(message.Title)).Border(BoxBorder.Rounded));
                    break;
                case MessageKind.QrCode:
                    console.MarkupLine($"[bold]{Markup.Escape(message.Title)}[/]");
                    console.WriteLine(QrText.Render(message.Content));
                    console.MarkupLine($"[dim]{Markup.Escape(message.Content)}[/]");
                    break;
            }
        }
    }
}
