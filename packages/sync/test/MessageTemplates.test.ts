import { describe, expect, it } from "vitest";
import { ENROLLMENT_LINK_PLACEHOLDER, renderMessage } from "../src/index.ts";
import { htmlFromText } from "../src/messages/MessageTemplates.ts";

describe("message templates", () => {
  it.each(["ENROLLMENT_INVITATION", "AGENT_DOWNLOAD_LINK", "MACOS_PROFILE_GUIDE"] as const)(
    "%s names the device and carries the sign-in link placeholder",
    (kind) => {
      const message = renderMessage(
        kind,
        { employeeName: "Alice", deviceName: "Alice's MacBook", serial: "C02XK1", platform: "darwin" },
        { agentDownloadUrl: "https://dl.example.com/agent.pkg" },
      );
      expect(message.subject).toContain("Alice's MacBook");
      expect(message.text).toContain("Hello Alice,");
      expect(message.text).toContain("serial C02XK1");
      expect(message.text).toContain(ENROLLMENT_LINK_PLACEHOLDER);
    },
  );

  it.each([
    ["ios", "iPhone"],
    ["ipados", "iPad"],
  ])("the profile guide for an %s gives the %s's steps, not the Mac's", (platform, name) => {
    const message = renderMessage(
      "MACOS_PROFILE_GUIDE",
      { employeeName: "Felix", deviceName: `Felix's ${name}`, serial: "DN9KZ", platform },
      {},
    );
    expect(message.text).toContain(`your ${name} Felix's ${name}`);
    expect(message.text).toContain("Settings > General > VPN & Device Management");
    expect(message.text).not.toMatch(/macOS|System Settings/);
  });

  it("the profile guide for a Mac keeps the guide's macOS section", () => {
    const message = renderMessage(
      "MACOS_PROFILE_GUIDE",
      { employeeName: null, deviceName: "Studio", serial: null, platform: "darwin" },
      {},
    );
    expect(message.text).toContain('section "Installation on macOS"');
    expect(message.text).toContain("System Settings > Privacy & Security > Profiles");
  });

  it("the HTML version escapes what it is given and makes links clickable", () => {
    const html = htmlFromText(
      "Install <b>now</b>",
      "Hello,\n\nYour Mac <script>alert(1)</script> needs steps:\n1. Download it.\n2. Install it.\n\nhttps://x.example.com/enroll?token=abc",
    );
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("<title>Install &lt;b&gt;now&lt;/b&gt;</title>");
    expect(html).toContain('<a href="https://x.example.com/enroll?token=abc">');
  });
});
