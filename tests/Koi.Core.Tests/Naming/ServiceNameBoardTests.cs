using Koi.Core.Naming;

namespace Koi.Core.Tests.Naming;

public sealed class ServiceNameBoardTests
{
    [Fact]
    public void Offer_TwoSources_WantedIsTheirSortedUnionInLowerCase()
    {
        var board = new ServiceNameBoard();

        board.Offer("proxy", ["Grafana", "wiki"]);
        board.Offer("mdns", ["grafana", "printer"]);

        Assert.Equal(["grafana", "printer", "wiki"], board.Wanted());
    }

    [Fact]
    public void Offer_SameSetAgain_DoesNotRaiseWantedChanged()
    {
        var board = new ServiceNameBoard();
        board.Offer("proxy", ["grafana"]);
        var raised = 0;
        board.WantedChanged += (_, _) => raised++;

        board.Offer("proxy", ["GRAFANA"]);
        board.Offer("mdns", ["grafana"]);

        Assert.Equal(0, raised);
    }

    [Fact]
    public void Offer_EmptyList_WithdrawsThatSourceOnly()
    {
        var board = new ServiceNameBoard();
        board.Offer("proxy", ["grafana", "wiki"]);
        board.Offer("mdns", ["printer"]);
        var raised = 0;
        board.WantedChanged += (_, _) => raised++;

        board.Offer("proxy", []);

        Assert.Equal(["printer"], board.Wanted());
        Assert.Equal(1, raised);
    }

    [Fact]
    public void Decide_NewAnswer_IsReadBackAndRaisedOnce()
    {
        var board = new ServiceNameBoard();
        var raised = 0;
        board.DecisionsChanged += (_, _) => raised++;
        NameDecision[] answer = [new("grafana.lan", true), new("stone-07.lan", false, "held by stone-07")];

        board.Decide(answer);
        board.Decide([.. answer]);

        Assert.Equal(answer, board.Decisions());
        Assert.Equal(1, raised);
    }
}
