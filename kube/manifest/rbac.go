package manifest

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeployerRules are what `edgectl deploy`, `status` and `undeploy` do in
// the namespace, on exactly the kinds they create or read: server-side
// apply (patch, and get to read back), listing by label for pruning,
// waiting and status (list, watch), deleting by label; pods only to read,
// and pods/proxy to read the workers' metrics.
func DeployerRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "watch", "create", "patch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"services"}, Verbs: []string{"get", "list", "watch", "create", "patch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "create", "patch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"pods/proxy"}, Verbs: []string{"get"}},
	}
}

// rbac is the deploying user's ServiceAccount, Role and RoleBinding.
func (r *renderer) rbac() []Object {
	app := r.in.Meta.Name
	n := DeployerName(app)
	subjects := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: n, Namespace: r.o.Namespace}}
	if r.o.RBACUser != "" {
		subjects = append(subjects, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: r.o.RBACUser})
	}
	return []Object{
		&corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: r.meta(n, "deployer", nil)},
		&rbacv1.Role{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
			ObjectMeta: r.meta(n, "deployer", nil), Rules: DeployerRules()},
		&rbacv1.RoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
			ObjectMeta: r.meta(n, "deployer", nil), Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: n}},
	}
}
