"""Partnerwijzer: answers from the infographic on partners in the online leefwereld."""
