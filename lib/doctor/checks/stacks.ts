import { DescribeStacksCommand, paginateListStackResources, Stack } from '@aws-sdk/client-cloudformation';
import { DoctorStack } from '../plan';
import { CheckResult, DeployedStack, DoctorClients, fail, guarded, pass } from '../result';
import { stackLocation, TemplateResolver } from '../resolve';

/**
 * Is the stack deployed, and in a state that runs its latest template? Reads DescribeStacks and
 * ListStackResources (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackResources.html:
 * paginated, unlike DescribeStackResources which stops at 100 resources): the physical IDs let every other
 * check resolve the template's references exactly as CloudFormation did.
 */
export async function checkStack(stack: DoctorStack, clients: DoctorClients): Promise<{ result: CheckResult; deployed: DeployedStack }> {
  const check = `stack ${stack.stackName}`;
  let deployed: DeployedStack = { stack, lastUpdated: new Map() };
  const result = await guarded(check, stack.region, 'cloudformation:DescribeStacks and cloudformation:ListStackResources', async () => {
    let found: Stack | undefined;
    try {
      found = (await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stack.stackName }))).Stacks?.[0];
    } catch (e) {
      // CloudFormation answers ValidationError "Stack with id X does not exist" for a stack never deployed.
      if (!(e instanceof Error && /does not exist/.test(e.message))) throw e;
    }
    const deploy = `deploy it: ${stack.deployCommand}`;
    if (!found?.StackId) return fail(check, `not deployed in ${stack.region}`, deploy);
    const location = stackLocation(found.StackId);
    if (!location) throw new Error(`stack ID ${found.StackId} is not a CloudFormation stack ARN`);
    const physicalIds = new Map<string, string>();
    const lastUpdated = new Map<string, Date>();
    for await (const page of paginateListStackResources({ client: clients.cloudformation }, { StackName: found.StackId })) {
      for (const r of page.StackResourceSummaries ?? []) {
        if (!r.LogicalResourceId) continue;
        if (r.PhysicalResourceId) physicalIds.set(r.LogicalResourceId, r.PhysicalResourceId);
        if (r.LastUpdatedTimestamp) lastUpdated.set(r.LogicalResourceId, r.LastUpdatedTimestamp);
      }
    }
    deployed = { stack, lastUpdated, resolver: new TemplateResolver(stack.template, location, physicalIds) };
    const status = found.StackStatus ?? 'UNKNOWN';
    const where = `${status} in ${location.region}, account ${location.account}`;
    // Stack status codes: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes
    if (/_IN_PROGRESS$/.test(status)) return fail(check, `${where}: a deployment is still running`, 'rerun the doctor when it has finished');
    if (status === 'UPDATE_ROLLBACK_COMPLETE') return fail(check, `${where}: the last update failed and was rolled back, so the stack runs its previous template`, `read the stack events (aws cloudformation describe-stack-events --stack-name ${stack.stackName}), fix the cause, ${deploy}`);
    if (status === 'ROLLBACK_COMPLETE') return fail(check, `${where}: its creation failed`, `read the stack events, delete the stack (aws cloudformation delete-stack --stack-name ${stack.stackName}), fix the cause and ${deploy}`);
    if (!/_COMPLETE$/.test(status)) return fail(check, `${where}${found.StackStatusReason ? ` (${found.StackStatusReason})` : ''}`, `read the stack events (aws cloudformation describe-stack-events --stack-name ${stack.stackName}), fix the cause, ${deploy}`);
    return pass(check, `${where}, ${physicalIds.size} resources`);
  });
  return { result, deployed };
}
