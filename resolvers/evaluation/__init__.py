"""Exact evaluation (精确考评) of communities and streets: phone survey, field evaluation, community
ranking, street assessment. Pure formula functions (exact fractions, no SQL) beside the row
gathering that feeds them."""
