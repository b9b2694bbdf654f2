"""Matchmaking events: invitations, interests, a proposed 1:1 schedule, agendas."""
