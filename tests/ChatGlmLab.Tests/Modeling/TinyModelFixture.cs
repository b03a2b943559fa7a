using System.Text.Json;
using ChatGlmLab.Modeling;
using ChatGlmLab.Tests.Infrastructure;

namespace ChatGlmLab.Tests.Modeling;

/// <summary>The fp32 tiny model and its golden cases, loaded once per test class.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public string Dir { get; } = Paths.Fixture("chatglm-tiny");
    public JsonElement Cases { get; } = FixtureJson.Load("chatglm-tiny", "cases.json");
    public ChatGlmForConditionalGeneration Model { get; }

    public TinyModelFixture()
    {
        Model = ChatGlmForConditionalGeneration.FromPretrained(Dir);
    }

    public void Dispose() => Model.Dispose();
}
