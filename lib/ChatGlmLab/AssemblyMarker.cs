namespace ChatGlmLab; internal static class AssemblyMarker { }
