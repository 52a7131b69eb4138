"use client";
// The enrolment a required second factor sends a user to: enrol, then on to the dashboard; or log out.
import { useRouter } from "next/navigation";
import { api } from "../api-client";
import { TwoFactorView } from "../settings/two-factor-view";
import { Button } from "../ui/button";

export function EnrolGate() {
  const router = useRouter();
  const logout = async () => {
    await api("/auth/logout", { method: "POST" });
    router.push("/login");
  };
  return (
    <div className="space-y-3">
      <TwoFactorView
        onEnrolled={() => {
          router.push("/");
          router.refresh();
        }}
      />
      <Button onClick={logout} className="w-full">
        Log out
      </Button>
    </div>
  );
}
