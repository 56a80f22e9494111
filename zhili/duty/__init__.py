"""Village cadres' office duty (村干部坐班): daily sign-in from a phone at the village office, monthly attendance."""
