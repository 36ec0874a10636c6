"""cocreate services. ``SERVICES`` names every nameko service class, for runners and topology."""

SERVICES = {
    "proposals": "services.proposals.service:ProposalsService",
    "rules": "services.rules.service:RulesService",
    "contributions": "services.contributions.service:ContributionsService",
    "scoring": "services.scoring.service:ScoringService",
    "notifications": "services.notifications.service:NotificationsService",
    "management": "services.management.service:ManagementService",
    "identity": "services.identity.service:IdentityService",
    "gateway": "services.gateway.service:GatewayService",
}
