@codebased
Feature: Code-based experiences: content for a surface, chosen per person in real time
  A code-based campaign gives JSON or HTML content for a surface of the app. Each time the app shows that surface,
  the platform chooses the content for the person from their profile and their recent events; when several
  campaigns target one surface, the highest priority wins. Displays and clicks are counted.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And Alice has an iPhone with the "Shop" app

  Scenario: The content changes with the profile
    Given Alice's profile has:
      | tier | silver |
    And a code-based experience campaign "Hero" for the "Shop" app on "home#hero":
      | when                   | content                                                   |
      | profile.tier == "gold" | {"headline": "Free shipping, always", "style": "gold"}    |
      | otherwise              | {"headline": "Welcome {{ profile.firstName }}"}           |
    Then the "home#hero" experience of Alice's "Shop" app shows nothing
    When the campaign "Hero" is sent to Alice
    Then the "home#hero" experience of Alice's "Shop" app shows "Welcome Alice"
    When Alice's profile changes:
      | tier | gold |
    Then the "home#hero" experience of Alice's "Shop" app shows "Free shipping, always"

  Scenario: The content follows the person's recent events
    Given a code-based experience campaign "Nudge" for the "Shop" app on "home#banner":
      | when                                         | content                                   |
      | "add_to_cart" in actions                     | {"text": "Your basket is waiting"}        |
      | "commerce.productViews" in event_types       | {"text": "Still thinking about it?"}      |
      | otherwise                                    | {"text": "New in this week"}              |
    When the campaign "Nudge" is sent to Alice
    Then the "home#banner" experience of Alice's "Shop" app shows "New in this week"
    When Alice's "Shop" app sends the event "commerce.productViews"
    Then the "home#banner" experience of Alice's "Shop" app shows "Still thinking about it?"
    When Alice's "Shop" app tracks the action "add_to_cart"
    Then the "home#banner" experience of Alice's "Shop" app shows "Your basket is waiting"

  Scenario: The highest priority wins on a surface
    Given a code-based experience campaign "Everyday" for the "Shop" app on "home#hero":
      | content  | {"headline": "Everyday low prices"} |
      | priority | 20                                  |
    And a code-based experience campaign "Black Friday" for the "Shop" app on "home#hero":
      | content  | {"headline": "Black Friday: 40% off"} |
      | priority | 70                                    |
    When the campaign "Everyday" is sent to Alice
    Then the "home#hero" experience of Alice's "Shop" app shows "Everyday low prices"
    When the campaign "Black Friday" is sent to Alice
    Then the "home#hero" experience of Alice's "Shop" app shows "Black Friday: 40% off"

  Scenario: HTML content, displayed and clicked
    Given a code-based experience campaign "Promo" for the "Shop" app on "checkout#promo":
      | format  | html                                                   |
      | content | <div class="promo"><h2>Hi {{ profile.firstName }}</h2><p>Add socks for $5</p></div> |
    When the campaign "Promo" is sent to Alice
    Then the "checkout#promo" experience of Alice's "Shop" app shows "<h2>Hi Alice</h2>"
    And the "checkout#promo" experience of Alice's "Shop" app shows "Add socks for $5"
    When Alice taps the "checkout#promo" experience in the "Shop" app
    Then the code-based report of "Promo" shows:
      | delivered | displayed | clicked |
      | 1         | 1         | 1       |

  Scenario: A template that fails is not shown and is counted
    Given a code-based experience campaign "Points" for the "Shop" app on "home#hero":
      | content | {"headline": "You have {{ profile.loyaltyPoints }} points"} |
    When the campaign "Points" is sent to Alice
    Then the "home#hero" experience of Alice's "Shop" app shows nothing
    And Alice was excluded from "Points" with RuntimeRenderingError 050302
    And the report of "Points" shows:
      | targeted | excluded | sent |
      | 1        | 1        | 0    |
