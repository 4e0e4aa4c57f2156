@use_cases @upsell
Feature: Upsell and cross-sell: a Premium upgrade by push, complementary items in the app, SMS to a segment
  The upsell-after-purchase journey (fixtures/journeys/upsell-after-purchase.yaml) follows a camera purchase: the
  profile remembers the camera, a push offers the Premium membership (its "Upgrade" button makes the person premium),
  and the app offers the kit that goes with the camera, an in-app message at the next launch and two content cards,
  the most relevant first. An SMS campaign then offers lenses to a segment: camera owners who are not premium.
  It proves that only the button that means yes upgrades the person, that the in-app and card offers are personalised
  from the purchase and ordered by priority, that the segment is built from what the journey wrote on the profiles,
  and that the SMS reaches only those in it who agreed to marketing SMS.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the SMS sender number "+15550100001"
    And the journey "upsell-after-purchase" is published
    And Alice has an iPhone with the "Shop" app
    And Alice has agreed to marketing push
    And Alice has agreed to marketing SMS

  Scenario: Alice upgrades from the push, then the app offers the kit for her camera
    When Alice closes the "Shop" app
    And the event "commerce.purchase" happens for Alice with:
      | product  | Lumix S5 |
      | category | camera   |
    Then Alice sees the notification "Go Premium, Alice" saying "Next-day delivery and a 2-year warranty for your Lumix S5"
    When Alice taps "Upgrade" on the notification "Go Premium, Alice"
    Then the "Shop" app is open on Alice's phone at "shop://premium/upgrade"
    And Alice's profile shows:
      | ownsCamera  | true     |
      | lastProduct | Lumix S5 |
      | tier        | premium  |
    When Alice closes the "Shop" app
    And 1 hour passes
    And Alice opens the "Shop" app
    Then Alice sees the in-app message "A 64 GB card and a padded bag for your Lumix S5"
    When Alice taps "See the kit" in the in-app message
    Then the "Shop" app is open on Alice's phone at "shop://kit"
    And Alice's "Shop" app shows the content cards "64 GB memory card" and "Padded camera bag" in that order
    When Alice taps the content card "Padded camera bag" in the "Shop" app
    Then the "Shop" app is open on Alice's phone at "shop://kit/bag"
    And the content card "Padded camera bag" in Alice's "Shop" app is read
    And the content card "64 GB memory card" in Alice's "Shop" app is unread
    And Alice's path in the journey "upsell-after-purchase" is "owner, upgrade, upgrade_answer, premium, accessories, memory_card, camera_bag, hold"
    And the funnel of the step "upgrade" of the journey "upsell-after-purchase" is:
      | sent | delivered | clicked |
      | 1    | 1         | 1       |
    And the funnel of the step "camera_bag" of the journey "upsell-after-purchase" is:
      | delivered | displayed | clicked |
      | 1         | 1         | 1       |

  Scenario: "Not now" is not a yes: Bob stays standard and gets the kit offers two days later
    Given Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    When the event "commerce.purchase" happens for Bob with:
      | product  | Alpha 7 |
      | category | camera  |
    And Bob taps "Not now" on the notification "Go Premium, Bob"
    Then Bob is in the journey "upsell-after-purchase" at step "upgrade_answer"
    And Bob's "Shop" app shows no content cards
    When 2 days pass
    Then Bob's "Shop" app shows the content cards "64 GB memory card" and "Padded camera bag" in that order
    And Bob's path in the journey "upsell-after-purchase" is "owner, upgrade, upgrade_answer, accessories, memory_card, camera_bag, hold"
    And Bob's profile shows:
      | ownsCamera  | true    |
      | lastProduct | Alpha 7 |

  Scenario: An SMS offer reaches the segment of camera owners who are not premium, with their SMS consent
    Given Bob has an Android phone with the "Shop" app
    And Bob has agreed to marketing push
    And Bob has agreed to marketing SMS
    And Carol has an iPhone with the "Shop" app
    And Carol has agreed to marketing SMS
    And Dan has an Android phone with the "Shop" app
    And Dan has refused marketing SMS
    And the audience "camera-owners-standard" of people where "profile.ownsCamera is defined and profile.tier | default('standard') != 'premium'"
    And a marketing SMS campaign "Lens week":
      | body | {{ profile.firstName }}, lens week: 25% off every lens for your {{ profile.lastProduct }}. Reply STOP to opt out |
    When the event "commerce.purchase" happens for Alice with:
      | product  | Lumix S5 |
      | category | camera   |
    And Alice taps "Upgrade" on the notification "Go Premium, Alice"
    And the event "commerce.purchase" happens for Bob with:
      | product  | Alpha 7 |
      | category | camera  |
    And the event "commerce.purchase" happens for Carol with:
      | product  | kettle  |
      | category | kitchen |
    And the event "commerce.purchase" happens for Dan with:
      | product  | X-T5   |
      | category | camera |
    Then Carol never entered the journey "upsell-after-purchase"
    And Alice is not in the audience "camera-owners-standard"
    And Bob is in the audience "camera-owners-standard"
    And Dan is in the audience "camera-owners-standard"
    When the campaign "Lens week" is sent to the audience "camera-owners-standard"
    Then Bob receives an SMS "Bob, lens week: 25% off every lens for your Alpha 7" from "+15550100001"
    And Alice receives no SMS
    And Carol receives no SMS
    And Dan receives no SMS
    And Dan was excluded from "Lens week" with SMSNoConsent 050104
    And the report of "Lens week" shows:
      | targeted | excluded | sent | delivered |
      | 2        | 1        | 1    | 1         |
    And the report of the journey "upsell-after-purchase" shows:
      | entered | active |
      | 3       | 3      |
