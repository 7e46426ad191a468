"""The small toolbox every layer uses: plain Python and Django, no app of ours."""
