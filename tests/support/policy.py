"""A stand-in "rules" service: answers the policy port over real RPC from a given policy
object (the real PolicyBook on the staff's files, or a unit test's fake)."""
from nameko.rpc import rpc


def rules_stand_in(policy):
    class RulesStandIn:
        name = "rules"

        @rpc
        def decide(self, area, facts):
            return policy.decide(area, facts)

        @rpc
        def params(self, area):
            return policy.params(area)

    return RulesStandIn
