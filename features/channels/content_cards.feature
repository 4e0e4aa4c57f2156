@cards
Feature: Content cards in an app's card inbox
  A content card campaign puts a card on a surface of the app for a person. The app's card screen shows the cards
  live for them, ordered by priority then date; cards stay on the phone across sessions and restarts until they
  expire or the person dismisses them; a tapped card is read. Displays, clicks and dismissals are counted.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And Alice has an iPhone with the "Shop" app
    And a content card campaign "Spring sale" for the "Shop" app:
      | title      | Spring sale              |
      | body       | 20% off shoes            |
      | action url | https://acme.test/spring |
      | priority   | 10                       |

  Scenario: Cards ordered by priority then date; a tapped card is read, and stays read after a restart
    Given a content card campaign "New arrivals" for the "Shop" app:
      | title    | New arrivals         |
      | body     | The summer range     |
      | priority | 10                   |
    And a content card campaign "Flash sale" for the "Shop" app:
      | title    | Flash sale           |
      | body     | Two hours only       |
      | priority | 50                   |
    When the campaign "Spring sale" is sent to Alice
    And 1 hour passes
    And the campaign "New arrivals" is sent to Alice
    And the campaign "Flash sale" is sent to Alice
    Then Alice's "Shop" app shows the content cards "Flash sale", "New arrivals" and "Spring sale" in that order
    And the content card "Spring sale" in Alice's "Shop" app is unread
    When Alice taps the content card "Spring sale" in the "Shop" app
    Then Alice's browser opens "https://acme.test/spring"
    And the content card "Spring sale" in Alice's "Shop" app is read
    When Alice force-quits the "Shop" app
    And Alice opens the "Shop" app
    Then Alice's "Shop" app shows 3 content cards
    And the content card "Spring sale" in Alice's "Shop" app is read
    And the content card "Flash sale" in Alice's "Shop" app is unread

  Scenario: Cards stay on the phone across restarts, even offline
    When the campaign "Spring sale" is sent to Alice
    Then Alice's "Shop" app shows 1 content card
    When Alice's phone goes offline
    And Alice force-quits the "Shop" app
    And Alice opens the "Shop" app
    Then Alice's "Shop" app shows the content card "Spring sale"

  Scenario: A dismissed card never shows again
    When the campaign "Spring sale" is sent to Alice
    Then Alice's "Shop" app shows 1 content card
    When Alice dismisses the content card "Spring sale" in the "Shop" app
    Then Alice's "Shop" app shows no content cards
    When Alice force-quits the "Shop" app
    And Alice opens the "Shop" app
    Then Alice's "Shop" app shows no content cards
    And the content card report of "Spring sale" shows:
      | delivered | displayed | clicked | dismissed |
      | 1         | 1         | 0       | 1         |

  Scenario: A card that expires on a given day
    Given a content card campaign "Weekend" for the "Shop" app:
      | title   | Weekend deals   |
      | expires | 2026-01-08      |
    When the campaign "Weekend" is sent to Alice
    And the campaign "Spring sale" is sent to Alice
    And 2 days pass
    Then Alice's "Shop" app shows the content cards "Spring sale" and "Weekend deals"
    When 1 day passes
    Then Alice's "Shop" app shows the content cards "Spring sale" in that order
    When Alice force-quits the "Shop" app
    And Alice opens the "Shop" app
    Then Alice's "Shop" app shows 1 content card

  Scenario: A card on a surface of its own, personalised
    Given a content card campaign "Offer" for the "Shop" app:
      | surface | home#offers                          |
      | title   | {{ profile.firstName }}, a gift      |
      | body    | Free gift wrap this week             |
    When the campaign "Offer" is sent to Alice
    And the campaign "Spring sale" is sent to Alice
    Then Alice's "Shop" app shows 1 content card on "home#offers"
    And Alice's "Shop" app shows the content card "Alice, a gift" on "home#offers"
    And Alice's "Shop" app shows 2 content cards

  Scenario: Displays, clicks and dismissals counted per campaign
    Given Bob has an Android phone with the "Shop" app
    When the campaign "Spring sale" is sent to Alice and Bob
    Then Alice's "Shop" app shows 1 content card
    And Alice's "Shop" app shows 1 content card
    And Bob's "Shop" app shows 1 content card
    When Alice taps the content card "Spring sale" in the "Shop" app
    And Bob dismisses the content card "Spring sale" in the "Shop" app
    And Alice force-quits the "Shop" app
    And Alice opens the "Shop" app
    Then Alice's "Shop" app shows 1 content card
    And the content card report of "Spring sale" shows:
      | targeted | delivered | displayed | clicked | dismissed |
      | 2        | 2         | 3         | 1       | 1         |

  Scenario: A card whose template fails is not shown and is counted
    Given a content card campaign "Points" for the "Shop" app:
      | title | You have {{ profile.loyaltyPoints }} points |
    When the campaign "Points" is sent to Alice
    Then Alice's "Shop" app shows no content cards
    And Alice was excluded from "Points" with RuntimeRenderingError 050302
    And the report of "Points" shows:
      | targeted | excluded | sent |
      | 1        | 1        | 0    |
