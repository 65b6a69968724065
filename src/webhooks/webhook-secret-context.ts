/** The additional authenticated data binding a sealed secret to its subscription row. */
export const secretContext = (subscriptionId: string) => `webhook_subscriptions:${subscriptionId}`;
