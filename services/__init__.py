"""cocreate services. ``SERVICES`` names every nameko service class, for runners and topology."""

SERVICES = {
    "proposals": "services.proposals.service:ProposalsService",
    "rules": "services.rules.service:RulesService",
    "contributions": "services.contributions.service:ContributionsService",
    "scoring": "services.scoring.service:ScoringService",
    "notifications": "services.notifications.service:NotificationsService",
    "management": "services.management.service:ManagementService",
    "gateway": "services.gateway.service:GatewayService",
}
