"""Party building (党建): branches, members, 三会一课 meetings and their compliance lights, integrity talks, the 头雁
roster."""
