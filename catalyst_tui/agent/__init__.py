"""The agent: tools, the executor that runs them, the Claude and rules brains, the cycle and the schedule."""
